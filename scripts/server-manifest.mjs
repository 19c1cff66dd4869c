// Writes the package.json and tsconfig.json of the server package into a staging directory (used by
// scripts/pack.sh): the root package.json's runtime fields, its bin, and the TypeScript client bundled
// (the server imports the generated code as @roomhistory/client/gen/...; in the repository that is the
// workspace, in the package the bundled copy). The root tsconfig.json's paths point into clients/ts/src,
// which the package does not hold, so the package's tsconfig.json has none.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const stage = process.argv[2];
if (!stage) throw new Error("usage: node scripts/server-manifest.mjs <staging directory>");
const read = (path) => JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), "utf8"));
const root = read("package.json");
const client = read("clients/ts/package.json");

const manifest = {
  name: "roomhistory-server",
  version: root.version,
  description: root.description,
  private: true, // packed for deployments, never published from here
  type: root.type,
  license: root.license,
  repository: { ...client.repository, directory: "" },
  engines: root.engines,
  bin: root.bin,
  files: ["bin", "src", "templates", "proto", "tsconfig.json"],
  dependencies: { ...client.dependencies, ...root.dependencies, [client.name]: client.version },
  bundleDependencies: [client.name],
};
delete manifest.repository.directory;
writeFileSync(join(stage, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);

const tsconfig = read("tsconfig.json");
const { paths, baseUrl, ...compilerOptions } = tsconfig.compilerOptions;
writeFileSync(join(stage, "tsconfig.json"), `${JSON.stringify({ compilerOptions }, null, 2)}\n`);
