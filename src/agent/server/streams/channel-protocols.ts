/**
 * The WebSocket channel subprotocols of exec, attach and port-forward (Kubernetes' wsstream and the
 * kubelet's remotecommand/websocket.go): every message carries one channel's bytes, prefixed by the
 * channel number.
 *
 * | subprotocol                              | framing                                   | error channel (3)             |
 * | ---------------------------------------- | ----------------------------------------- | ----------------------------- |
 * | `v5.channel.k8s.io`                      | binary: 1 byte channel + data             | the Status as JSON            |
 * | `v4.channel.k8s.io`                      | same                                      | same                          |
 * | `v4.base64.channel.k8s.io`               | text: channel digit ('0'+n) + base64 data | same                          |
 * | `channel.k8s.io`, none offered (`""`)    | binary                                    | a failure's message, as text  |
 * | `base64.channel.k8s.io`                  | text, base64                              | a failure's message, as text  |
 *
 * v5 adds the close signal: a message `[255, n]` from the client means it closed channel n (stdin
 * EOF). v2 and v3 of the protocol exist only over SPDY.
 */

export interface ChannelProtocol {
  /** The negotiated subprotocol; '' when the client offered none. */
  name: string;
  /** Text messages with an ASCII channel digit and base64 data, instead of binary messages. */
  base64: boolean;
  /** v4 and later: the error channel carries the whole Status as JSON (exit codes); before, only a failure's message. */
  jsonStatus: boolean;
  /** v5: `[255, channel]` from the client half-closes that channel. */
  closeSignal: boolean;
}

const protocol = (name: string, base64: boolean, version: 1 | 4 | 5): ChannelProtocol => ({
  name,
  base64,
  jsonStatus: version >= 4,
  closeSignal: version >= 5,
});

/** The subprotocols of exec, attach and channel port-forward, in our preference order (the first the client also offers wins). */
export const CHANNEL_PROTOCOLS: readonly ChannelProtocol[] = [
  protocol('v5.channel.k8s.io', false, 5),
  protocol('v4.channel.k8s.io', false, 4),
  protocol('v4.base64.channel.k8s.io', true, 4),
  protocol('channel.k8s.io', false, 1),
  protocol('base64.channel.k8s.io', true, 1),
];

/** The protocol a client without a Sec-WebSocket-Protocol header gets (wsstream's `""`). */
export const UNNAMED_PROTOCOL: ChannelProtocol = protocol('', false, 1);

/** The channel protocol named `name` (as negotiated), UNNAMED_PROTOCOL for ''. */
export function channelProtocol(name: string): ChannelProtocol | undefined {
  return name === '' ? UNNAMED_PROTOCOL : CHANNEL_PROTOCOLS.find((p) => p.name === name);
}

/** One outgoing message: `data` with `binary` as the WebSocket frame type. Pure. */
export function encodeChannelMessage(
  p: ChannelProtocol,
  channel: number,
  payload: Buffer,
): { data: Buffer | string; binary: boolean } {
  if (p.base64) return { data: String.fromCharCode(48 + channel) + payload.toString('base64'), binary: false };
  return { data: Buffer.concat([Buffer.from([channel]), payload]), binary: true };
}

/**
 * One incoming message as channel and bytes; undefined when it is empty or, in a base64 protocol,
 * not base64 (wsstream drops such frames). Text and binary frames are read alike, as wsstream does. Pure.
 */
export function decodeChannelMessage(
  p: ChannelProtocol,
  data: Buffer,
): { channel: number; payload: Buffer } | undefined {
  if (data.length === 0) return undefined;
  if (!p.base64) return { channel: data[0] ?? 0, payload: data.subarray(1) };
  const text = data.subarray(1).toString('latin1');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return { channel: (data[0] ?? 48) - 48, payload: Buffer.from(text, 'base64') };
}
