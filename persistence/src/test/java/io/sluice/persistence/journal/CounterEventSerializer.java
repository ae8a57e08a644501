package io.sluice.persistence.journal;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/** Writes {@link Counter.Added} as its amount (4 bytes) followed by its key in UTF-8. */
public final class CounterEventSerializer extends SerializerWithStringManifest {
  private static final String ADDED = "added";

  @Override
  public int identifier() {
    return 7_340_102;
  }

  @Override
  public String manifest(Object o) {
    return ADDED;
  }

  @Override
  public byte[] toBinary(Object o) {
    Counter.Added added = (Counter.Added) o;
    byte[] key = added.key().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(4 + key.length).putInt(added.amount()).put(key).array();
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    if (!ADDED.equals(manifest)) {
      throw new NotSerializableException("unknown manifest " + manifest);
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    int amount = buf.getInt();
    return new Counter.Added(
        new String(bytes, 4, bytes.length - 4, StandardCharsets.UTF_8), amount);
  }
}
