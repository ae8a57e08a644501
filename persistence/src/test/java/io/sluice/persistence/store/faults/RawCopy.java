package io.sluice.persistence.store.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.RawChunk;
import io.sluice.persistence.store.internal.RecordCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The replica side of replication in-process: copies a master's CommitLog with {@code readRaw} /
 * {@code appendRaw} from the replica's end, and compares two logs by their {@code readRaw} bytes.
 */
final class RawCopy {
  private RawCopy() {}

  /**
   * Copies from the replica's confirmed position until it reaches the master's; returns the
   * number of chunks. Throws what {@code readRaw} throws (a position retention removed).
   */
  static int copy(MessageStore master, MessageStore replica, int maxBytes) throws Exception {
    long position = replica.confirmedPosition();
    int chunks = 0;
    while (true) {
      RawChunk chunk = master.readRaw(position, maxBytes);
      if (!chunk.bytes().hasRemaining()) {
        if (chunk.nextPosition() == position) {
          return chunks;
        }
        position = chunk.nextPosition(); // a segment tail too small for an end marker
        continue;
      }
      long end = replica.appendRaw(chunk.position(), chunk.bytes()).get(30, TimeUnit.SECONDS);
      assertEquals(chunk.nextPosition(), end, "replica end after the chunk at " + chunk.position());
      position = end;
      chunks++;
    }
  }

  /** Asserts both logs hold the same range and the same bytes in it, chunk by chunk. */
  static void assertSameLog(MessageStore master, MessageStore replica) throws IOException {
    assertEquals(master.minPosition(), replica.minPosition(), "oldest position");
    assertEquals(master.confirmedPosition(), replica.confirmedPosition(), "end");
    long position = master.minPosition();
    while (position < master.confirmedPosition()) {
      RawChunk a = master.readRaw(position, 1 << 20);
      RawChunk b = replica.readRaw(position, 1 << 20);
      assertEquals(a.nextPosition(), b.nextPosition(), "chunk end from " + position);
      if (!a.bytes().equals(b.bytes())) {
        fail("logs differ in the chunk at " + position);
      }
      position = a.nextPosition();
    }
  }

  /** The records of [from, end) as {@code readRaw} returns them, without end-of-segment fillers. */
  static byte[] records(MessageStore store, long from) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long position = from;
    while (position < store.confirmedPosition()) {
      RawChunk chunk = store.readRaw(position, 1 << 20);
      ByteBuffer bytes = chunk.bytes();
      for (int at = bytes.position(); at < bytes.limit(); at += bytes.getInt(at)) {
        if (bytes.getInt(at + 4) == RecordCodec.END_MAGIC) {
          break;
        }
        byte[] record = new byte[bytes.getInt(at)];
        bytes.get(at, record);
        out.write(record, 0, record.length);
      }
      position = chunk.nextPosition();
    }
    return out.toByteArray();
  }
}
