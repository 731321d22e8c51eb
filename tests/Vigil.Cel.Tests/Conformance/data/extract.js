// Regenerates the vendored conformance data in this folder from the npm package @bufbuild/cel-spec
// (the CEL specification's "simple" conformance tests, converted to protobuf JSON by that package).
//   npm install --prefix /tmp/celspec @bufbuild/cel-spec@0.6.1
//   node extract.js /tmp/celspec/node_modules/@bufbuild/cel-spec
// Writes one <file>.json per conformance file: { name, sections: [ { name, tests: [ SimpleTest JSON + "checkedType" ] } ] }.
const fs = require("fs");
const path = require("path");
const pkg = process.argv[2];
if (!pkg) { console.error("usage: node extract.js <path to @bufbuild/cel-spec>"); process.exit(2); }
const files = ["basic", "bindings_ext", "comparisons", "conversions", "fields", "fp_math", "integer_math", "lists", "logic",
  "macros", "macros2", "namespace", "parse", "plumbing", "string", "string_ext", "timestamps", "encoders_ext", "optionals"];
const { tests } = require(path.join(pkg, "dist/cjs/testdata/conformance.js"));
for (const file of tests.suites.filter(s => files.includes(s.name))) {
  const sections = [];
  const walk = (s, prefix) => {
    if ((s.tests || []).length)
      sections.push({ name: prefix, tests: s.tests.map(t => (t.type ? { ...t.original, checkedType: t.type } : { ...t.original })) });
    for (const c of s.suites || []) walk(c, prefix ? prefix + "/" + c.name : c.name);
  };
  for (const c of file.suites || []) walk(c, c.name);
  fs.writeFileSync(path.join(__dirname, file.name + ".json"), JSON.stringify({ name: file.name, sections }, null, 1) + "\n");
}
