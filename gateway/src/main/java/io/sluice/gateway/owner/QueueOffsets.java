package io.sluice.gateway.owner;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A topic's queue offsets (by queue id) as bytes: 8 bytes per queue, big-endian. */
public final class QueueOffsets {
  private QueueOffsets() {}

  public static byte[] encode(List<Long> offsets) {
    ByteBuffer buffer = ByteBuffer.allocate(offsets.size() * Long.BYTES);
    offsets.forEach(buffer::putLong);
    return buffer.array();
  }

  public static List<Long> decode(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    List<Long> offsets = new ArrayList<>(bytes.length / Long.BYTES);
    while (buffer.remaining() >= Long.BYTES) {
      offsets.add(buffer.getLong());
    }
    return offsets;
  }
}
