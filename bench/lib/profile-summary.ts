/**
 * `npx tsx bench/lib/profile-summary.ts <file.cpuprofile> [focus] [depth]`: a text reading of a V8 CPU
 * profile (what `npm run bench -- --cpu-prof <dir>` leaves for every server process): the functions
 * with the most self time, then the call tree below `focus` (a substring of "function file:line", e.g.
 * "renderMessages"; default: the root), merged over every place it was called from. Percentages are of
 * busy time (samples that are not idle), so a process that waited on the network is read by its work.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The lines of the reading; `minShare` hides tree entries below that share of busy time (0.005 = 0.5 %). */
export function summarize(profile: Profile, focus = "(root)", depth = 6, minShare = 0.005): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const name = (n: ProfileNode) => {
    const f = n.callFrame;
    return `${f.functionName || "(anonymous)"} ${f.url.split("/").pop() ?? ""}:${f.lineNumber + 1}`;
  };
  const total = new Map<number, number>();
  const sum = (n: ProfileNode): number => {
    let t = self.get(n.id) ?? 0;
    for (const c of n.children ?? []) t += sum(byId.get(c)!);
    total.set(n.id, t);
    return t;
  };
  const root = profile.nodes[0];
  sum(root);
  const idle = profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").reduce((a, n) => a + (self.get(n.id) ?? 0), 0);
  const busy = total.get(root.id)! - idle;
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;

  const selfByName = new Map<string, number>();
  for (const n of profile.nodes) {
    if (n.callFrame.functionName !== "(idle)") selfByName.set(name(n), (selfByName.get(name(n)) ?? 0) + (self.get(n.id) ?? 0));
  }
  const lines = [`busy ${(busy / 1000).toFixed(0)} ms of ${(total.get(root.id)! / 1000).toFixed(0)} ms sampled`, "", "self time:"];
  for (const [k, t] of [...selfByName].sort((a, b) => b[1] - a[1]).slice(0, 25)) lines.push(`${pct(t)}  ${k}`);

  // The outermost nodes matching `focus`, merged by name level by level.
  const focused: ProfileNode[] = [];
  const find = (n: ProfileNode) => {
    if (name(n).includes(focus)) focused.push(n);
    else for (const c of n.children ?? []) find(byId.get(c)!);
  };
  find(root);
  lines.push("", `below ${focus} (${pct(focused.reduce((a, n) => a + total.get(n.id)!, 0)).trim()} of busy time):`);
  const walk = (nodes: ProfileNode[], level: number) => {
    if (level > depth) return;
    const groups = new Map<string, ProfileNode[]>();
    for (const n of nodes) for (const c of n.children ?? []) {
      const child = byId.get(c)!;
      groups.set(name(child), [...(groups.get(name(child)) ?? []), child]);
    }
    const ranked = [...groups].map(([k, g]) => [k, g, g.reduce((a, n) => a + total.get(n.id)!, 0)] as const)
      .filter(([, , t]) => t >= minShare * busy).sort((a, b) => b[2] - a[2]);
    for (const [k, g, t] of ranked) {
      lines.push(`${"  ".repeat(level)}${pct(t)}  ${k}`);
      walk(g, level + 1);
    }
  };
  walk(focused, 1);
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, focus, depth] = process.argv.slice(2);
  if (!file) {
    console.error("usage: npx tsx bench/lib/profile-summary.ts <file.cpuprofile> [focus] [depth]");
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  console.log(summarize(profile, focus, depth ? Number(depth) : undefined).join("\n"));
}
