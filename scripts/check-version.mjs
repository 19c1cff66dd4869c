// One version for the contract and both clients: VERSION holds it; every manifest that carries a copy
// must agree (`npm test` runs this; scripts/release.sh writes them all). Also checks what a package needs
// to be published as itself: the license copies, the client's repository directory, a CHANGELOG entry.
import { readFileSync } from "node:fs";

const read = (path) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const json = (path) => JSON.parse(read(path));
const version = read("VERSION").trim();
const problems = [];

if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) problems.push(`VERSION: '${version}' is not x.y.z`);

const root = json("package.json");
const client = json("clients/ts/package.json");
const lock = json("package-lock.json");
const pyproject = read("clients/python/pyproject.toml").match(/^version = "([^"]*)"$/m)?.[1];
const copies = {
  "package.json": root.version,
  "package-lock.json": lock.version,
  'package-lock.json packages[""]': lock.packages?.[""]?.version,
  "clients/ts/package.json": client.version,
  'package-lock.json packages["clients/ts"]': lock.packages?.["clients/ts"]?.version,
  "clients/python/pyproject.toml": pyproject,
};
for (const [where, v] of Object.entries(copies)) {
  if (v !== version) problems.push(`${where}: version ${v} differs from VERSION ${version}`);
}

if (client.repository?.directory !== "clients/ts") problems.push("clients/ts/package.json: repository.directory is not clients/ts");
const license = read("LICENSE");
for (const copy of ["clients/ts/LICENSE", "clients/python/LICENSE"]) {
  if (read(copy) !== license) problems.push(`${copy} differs from LICENSE`);
}
for (const [where, l] of [["package.json", root.license], ["clients/ts/package.json", client.license]]) {
  if (l !== "Apache-2.0") problems.push(`${where}: license ${l}, not Apache-2.0`);
}

const changelog = read("CHANGELOG.md");
if (!/^## Unreleased$/m.test(changelog) && !new RegExp(`^## ${version.replace(/\./g, "\\.")}( |$)`, "m").test(changelog)) {
  problems.push(`CHANGELOG.md: no '## Unreleased' section and none for ${version}`);
}

if (problems.length > 0) {
  console.error(`version check failed:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`version ${version}: VERSION, package.json, package-lock.json, clients/ts, clients/python agree`);
