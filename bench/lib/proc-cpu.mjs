import { readdirSync, readFileSync } from "node:fs";

/**
 * The machine's CPU use over a stretch of a bench, from /proc/stat (Linux; null elsewhere). The
 * cluster benches share 2 cores with other engineers' work and the 1-minute load average here
 * counts more than runnable tasks, so the load noted beside a figure is the busy share of all
 * cores (user + system + irq + steal over the total) between two reads, sampled every `everyMs`.
 */
function readTotals() {
  let text;
  try {
    text = readFileSync("/proc/stat", "utf8");
  } catch (error) {
    if (error.code === "ENOENT") return null;
    throw error;
  }
  const fields = text.split("\n", 1)[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest is already counted in user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
  const busy = user + nice + system + irq + softirq + (steal ?? 0);
  return { busy, total: busy + idle + iowait };
}

const share = (from, to) =>
  to.total > from.total ? Math.round(((to.busy - from.busy) / (to.total - from.total)) * 100) / 100 : 0;

export function startCpuSampler({ everyMs = 1000 } = {}) {
  const first = readTotals();
  if (first === null) return { stop: () => null };
  const shares = [];
  let last = first;
  const timer = setInterval(() => {
    const now = readTotals();
    shares.push(share(last, now));
    last = now;
  }, everyMs);
  timer.unref();
  return {
    /** Busy share of all cores over the whole stretch, and the lowest and highest sample. */
    stop() {
      clearInterval(timer);
      const end = readTotals();
      return {
        busyShare: share(first, end),
        busyMin: shares.length > 0 ? Math.min(...shares) : null,
        busyMax: shares.length > 0 ? Math.max(...shares) : null,
        samples: shares.length
      };
    }
  };
}

/**
 * CPU ms (user + system) used so far by the processes `pids` and every live descendant of them
 * (a node's codexd, its `codex app-server`, its conductor), from /proc/<pid>/stat; null off Linux.
 * Two reads bracket a stretch: what a cluster itself spent on it, against the machine's share.
 */
export function treeCpuMs(pids) {
  let entries;
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch (error) {
    if (error.code === "ENOENT") return null;
    throw error;
  }
  const procs = new Map();
  for (const pid of entries) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch (error) {
      // Gone between the listing and the read.
      if (error.code === "ENOENT" || error.code === "ESRCH") continue;
      throw error;
    }
    // Fields after the command name (which may hold spaces) in parentheses.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    procs.set(Number(pid), { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) });
  }
  const wanted = new Set(pids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, proc] of procs) {
      if (!wanted.has(pid) && wanted.has(proc.ppid)) {
        wanted.add(pid);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const pid of wanted) ticks += procs.get(pid)?.ticks ?? 0;
  // USER_HZ is 100 on Linux.
  return ticks * 10;
}
