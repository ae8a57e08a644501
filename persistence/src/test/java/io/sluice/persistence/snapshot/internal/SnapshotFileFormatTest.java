package io.sluice.persistence.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.persistence.snapshot.CorruptSnapshotException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

class SnapshotFileFormatTest {

  static final Path FILE = Path.of("p-x-1-2.snap");

  static SnapshotContent content(Optional<SerializedPayload> metadata) {
    return new SnapshotContent(
        "orders/ü|1",
        42,
        1_700_000_000_123L,
        new SerializedPayload(20, "", ByteString.fromString("state", StandardCharsets.UTF_8)),
        metadata);
  }

  static byte[] bytesOf(ByteBuffer buf) {
    byte[] bytes = new byte[buf.remaining()];
    buf.get(bytes);
    return bytes;
  }

  @Test
  void roundTripsContentWithoutMetadata() throws CorruptSnapshotException {
    SnapshotContent content = content(Optional.empty());

    assertEquals(
        content, SnapshotFileFormat.decode(FILE, bytesOf(SnapshotFileFormat.encode(content))));
  }

  @Test
  void roundTripsContentWithMetadata() throws CorruptSnapshotException {
    var meta = new SerializedPayload(-5, "M", ByteString.fromArray(new byte[] {0, 1, 2}));
    SnapshotContent content = content(Optional.of(meta));

    assertEquals(
        content, SnapshotFileFormat.decode(FILE, bytesOf(SnapshotFileFormat.encode(content))));
  }

  @Test
  void writesTheDocumentedHeader() {
    ByteBuffer buf = SnapshotFileFormat.encode(content(Optional.empty()));

    assertEquals(SnapshotFileFormat.MAGIC, buf.getInt(0));
    assertEquals(SnapshotFileFormat.VERSION, buf.getShort(4));
    assertEquals(buf.remaining() - SnapshotFileFormat.HEADER_SIZE, buf.getInt(10));
  }

  @Test
  void detectsEverySingleBitFlip() {
    byte[] good = bytesOf(SnapshotFileFormat.encode(content(Optional.empty())));
    for (int i = 0; i < good.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bad = good.clone();
        bad[i] ^= (byte) (1 << bit);
        assertThrows(CorruptSnapshotException.class, () -> SnapshotFileFormat.decode(FILE, bad));
      }
    }
  }

  @Test
  void detectsEveryTruncation() {
    byte[] good = bytesOf(SnapshotFileFormat.encode(content(Optional.empty())));
    for (int length = 0; length < good.length; length++) {
      byte[] torn = Arrays.copyOf(good, length);
      var e =
          assertThrows(CorruptSnapshotException.class, () -> SnapshotFileFormat.decode(FILE, torn));
      assertEquals(FILE, e.file());
      assertEquals(length, e.sizeBytes());
    }
  }

  @Test
  void detectsAppendedBytes() {
    byte[] good = bytesOf(SnapshotFileFormat.encode(content(Optional.empty())));
    byte[] longer = Arrays.copyOf(good, good.length + 1);

    assertThrows(CorruptSnapshotException.class, () -> SnapshotFileFormat.decode(FILE, longer));
  }
}
