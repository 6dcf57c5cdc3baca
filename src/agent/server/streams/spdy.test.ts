import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';
import {
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FrameSplitter,
  HeaderCodec,
  pingFrame,
  rstStreamFrame,
  SpdySession,
  synStreamFrame,
  TYPE,
  type RawFrame,
  type SpdyStream,
} from './spdy.js';

/** Two ends of an in-memory connection. */
function pipePair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const a = Duplex.from({ readable: ba, writable: ab });
  const b = Duplex.from({ readable: ab, writable: ba });
  return [a, b];
}

test('the SPDY/3 dictionary has the spec size and its zlib id (Adler-32)', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  // zlib streams made with the dictionary carry its Adler-32 after the 2-byte header
  const z = zlib.deflateSync(Buffer.from('x'), { dictionary: SPDY3_DICTIONARY });
  assert.equal(z.readUInt32BE(2).toString(16), 'e3c6a7c2');
});

test('header blocks: encode/decode, names lower-cased, NUL-separated values joined', () => {
  const block = encodeHeaderBlock({ StreamType: 'data', port: '8080' });
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: 'data', port: '8080' });
  const multi = Buffer.concat([
    Buffer.from([0, 0, 0, 1, 0, 0, 0, 1]),
    Buffer.from('a'),
    Buffer.from([0, 0, 0, 3]),
    Buffer.from('x\0y'),
  ]);
  assert.deepEqual(decodeHeaderBlock(multi), { a: 'x,y' });
  assert.throws(() => decodeHeaderBlock(Buffer.from([0, 0, 0, 2])), /truncated/);
});

test('the splitter keeps partial frames until complete', () => {
  const f = Buffer.concat([dataFrame(3, Buffer.from('hello'), true), pingFrame(1)]);
  const s = new FrameSplitter();
  assert.deepEqual(s.push(f.subarray(0, 6)), []);
  const frames = s.push(f.subarray(6));
  assert.equal(frames.length, 2);
  assert.deepEqual(frames[0], { control: false, streamId: 3, flags: FLAG_FIN, data: Buffer.from('hello') });
  assert.equal(frames[1]?.control && frames[1].type, TYPE.ping);
});

test('a session: SYN_STREAM -> SYN_REPLY, data both ways, FIN, PING echo, RST', async () => {
  const [serverEnd, clientEnd] = pipePair();
  const streams: SpdyStream[] = [];
  new SpdySession(serverEnd, { onStream: (s) => streams.push(s) });
  const deflater = HeaderCodec.deflater();
  const inflater = HeaderCodec.inflater();
  const splitter = new FrameSplitter();
  const received: RawFrame[] = [];
  clientEnd.on('data', (c: Buffer) => received.push(...splitter.push(c)));
  const waitFor = async (ok: () => boolean) => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(ok());
  };

  clientEnd.write(await synStreamFrame(deflater, 1, { streamtype: 'error' }));
  clientEnd.write(await synStreamFrame(deflater, 3, { streamtype: 'stdout', requestid: '0' }));
  await waitFor(() => streams.length === 2);
  assert.deepEqual(
    streams.map((s) => s.headers.streamtype),
    ['error', 'stdout'],
  );
  await waitFor(() => received.filter((f) => f.control && f.type === TYPE.synReply).length === 2);
  for (const f of received.filter((x) => x.control && x.type === TYPE.synReply)) {
    assert.deepEqual(decodeHeaderBlock(await inflater.run(f.data.subarray(4))), {}); // one inflate context across replies
  }

  // data from the client, then its FIN ends our readable side
  let got = '';
  const ended = new Promise<void>((r) =>
    streams[1]
      ?.setEncoding('utf8')
      .on('data', (c: string) => (got += c))
      .on('end', r),
  );
  clientEnd.write(dataFrame(3, Buffer.from('in')));
  clientEnd.write(dataFrame(3, Buffer.alloc(0), true));
  await ended;
  assert.equal(got, 'in');

  // our data and FIN, large payloads split into 64 KiB frames
  received.length = 0;
  streams[1]?.end(Buffer.alloc(150_000, 1));
  await waitFor(() => received.some((f) => !f.control && (f.flags & FLAG_FIN) !== 0));
  const data = received.filter((f): f is Extract<RawFrame, { control: false }> => !f.control);
  assert.equal(
    data.reduce((n, f) => n + f.data.length, 0),
    150_000,
  );
  assert.ok(data.every((f) => f.streamId === 3 && f.data.length <= 65536));

  received.length = 0;
  clientEnd.write(pingFrame(7));
  await waitFor(() => received.some((f) => f.control && f.type === TYPE.ping));

  const closed = new Promise((r) => streams[0]?.on('close', r));
  clientEnd.write(rstStreamFrame(1, 5));
  await closed;
  deflater.close();
  inflater.close();
});

test('a second SYN_STREAM with an old id is refused with RST_STREAM', async () => {
  const [serverEnd, clientEnd] = pipePair();
  let count = 0;
  new SpdySession(serverEnd, { onStream: () => count++ });
  const deflater = HeaderCodec.deflater();
  const splitter = new FrameSplitter();
  const received: RawFrame[] = [];
  clientEnd.on('data', (c: Buffer) => received.push(...splitter.push(c)));
  clientEnd.write(await synStreamFrame(deflater, 5, { streamtype: 'data' }));
  clientEnd.write(await synStreamFrame(deflater, 3, { streamtype: 'data' }));
  for (let i = 0; i < 200 && !received.some((f) => f.control && f.type === TYPE.rstStream); i++)
    await new Promise((r) => setTimeout(r, 5));
  assert.equal(count, 1);
  const rst = received.find((f) => f.control && f.type === TYPE.rstStream);
  assert.equal(rst?.data.readUInt32BE(0), 3);
  deflater.close();
});
