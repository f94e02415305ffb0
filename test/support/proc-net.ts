import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

/** One row of the kernel's TCP socket table (/proc/net/tcp and tcp6). */
export interface TcpSocket {
  readonly localPort: number
  readonly remotePort: number
  /** Hex state: `0A` is LISTEN, `01` ESTABLISHED. */
  readonly state: string
  /** The socket's inode, which a process's fds name as `socket:[inode]`. */
  readonly inode: string
}

/**
 * Every TCP socket (v4 and v6) of the network namespace `dir` names: `/proc/net` for the
 * machine's, `/proc/self/net` for this process's. A table that cannot be read is skipped.
 */
export function tcpSockets(dir = '/proc/net'): TcpSocket[] {
  const out: TcpSocket[] = []
  for (const file of [`${dir}/tcp`, `${dir}/tcp6`]) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st … inode: addresses are HEXIP:HEXPORT.
      const f = line.trim().split(/\s+/)
      if (f.length < 10) continue
      out.push({ localPort: parseInt(f[1]!.split(':')[1]!, 16), remotePort: parseInt(f[2]!.split(':')[1]!, 16), state: f[3]!, inode: f[9]! })
    }
  }
  return out
}

/**
 * The inodes of the sockets a process holds open (`self`, or a pid), from its fds; empty when
 * they cannot be read (another user's process, or gone).
 */
export function socketInodes(pid: number | 'self' = 'self'): Set<string> {
  const inodes = new Set<string>()
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    return inodes
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m) inodes.add(m[1]!)
    } catch {
      // closed meanwhile
    }
  }
  return inodes
}
