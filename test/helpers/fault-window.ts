/**
 * Which probe exchanges a kill-upstream fault may cut. The kill runs on the host somewhere between
 * the moment halab sent it over SSH (`faultSentMs`) and the moment the host answered
 * (`faultSentMs + faultAckMs`): an exchange already connected to the dying server in that window
 * cannot be replayed (in TCP mode never, in HTTP mode not once nginx has taken the request). Every
 * exchange that starts after the window, or ends before it, must succeed.
 */
export interface FaultTimes {
  faultSentMs: number | null;
  faultAckMs: number | null;
}

export interface ProbeExchange {
  t: number;
  ms: number;
  connected?: boolean;
}

export function inFlightAcrossKill(r: FaultTimes): (x: ProbeExchange) => boolean {
  if (r.faultSentMs === null || r.faultAckMs === null) throw new Error('the report has no fault times');
  const from = r.faultSentMs;
  const to = r.faultSentMs + r.faultAckMs;
  return (x) => x.connected === true && x.t <= to && x.t + x.ms >= from;
}
