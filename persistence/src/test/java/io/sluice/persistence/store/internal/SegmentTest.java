package io.sluice.persistence.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentTest {
  private static final long SIZE = 4096;

  @TempDir Path dir;

  @Test
  void anEmptySegmentLeftByACrashBeforeItWasSizedOpensAtItsSize() throws IOException {
    Files.createFile(dir.resolve(Segment.fileName(SIZE)));
    Segment segment = Segment.open(dir, SIZE, SIZE);
    try {
      assertEquals(SIZE, Files.size(segment.file()));
      segment.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), SIZE + 10);
      ByteBuffer read = ByteBuffer.allocate(3);
      segment.read(read, SIZE + 10);
      assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), read.flip());
    } finally {
      segment.close();
    }
  }

  @Test
  void aSegmentOfAnotherSizeIsRefused() throws IOException {
    Files.write(dir.resolve(Segment.fileName(0)), new byte[100]);
    assertThrows(IOException.class, () -> Segment.open(dir, 0, SIZE));
  }
}
