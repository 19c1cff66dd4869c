// Sets the one version (scripts/release.sh calls it): VERSION, then the copies the package managers
// need: package.json, clients/ts/package.json, their entries in package-lock.json, and
// clients/python/pyproject.toml. scripts/check-version.mjs (in `npm test`) checks they agree.
import { readFileSync, writeFileSync } from "node:fs";

const version = process.argv[2];
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version ?? "")) {
  console.error("usage: node scripts/set-version.mjs <x.y.z>");
  process.exit(2);
}
const path = (p) => new URL(`../${p}`, import.meta.url);
const editJson = (p, edit) => {
  const data = JSON.parse(readFileSync(path(p), "utf8"));
  edit(data);
  writeFileSync(path(p), `${JSON.stringify(data, null, 2)}\n`);
};

writeFileSync(path("VERSION"), `${version}\n`);
editJson("package.json", (d) => { d.version = version; });
editJson("clients/ts/package.json", (d) => { d.version = version; });
editJson("package-lock.json", (d) => {
  d.version = version;
  d.packages[""].version = version;
  d.packages["clients/ts"].version = version;
});
const pyproject = readFileSync(path("clients/python/pyproject.toml"), "utf8");
const bumped = pyproject.replace(/^version = "[^"]*"$/m, `version = "${version}"`);
if (bumped === pyproject && !pyproject.includes(`version = "${version}"`)) {
  throw new Error("clients/python/pyproject.toml: no `version = \"...\"` line");
}
writeFileSync(path("clients/python/pyproject.toml"), bumped);
console.log(`version ${version} set in VERSION, package.json, package-lock.json, clients/ts, clients/python`);
