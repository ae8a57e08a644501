package io.sluice.persistence.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotDirectoryTest {

  @TempDir Path tmp;

  static ByteBuffer bytes(int... values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length);
    for (int v : values) {
      buf.put((byte) v);
    }
    return buf.flip();
  }

  @Test
  void openCreatesTheDirectoryAndDeletesOnlyTempFiles() throws IOException {
    Path dir = tmp.resolve("a/b");
    Files.createDirectories(dir);
    Path leftover = Files.write(dir.resolve(SnapshotFileName.newTempFileName()), new byte[] {1});
    Path snapshot =
        Files.write(dir.resolve(SnapshotFileName.of("x", 1, 1).fileName()), new byte[] {1});

    assertEquals(1, new SnapshotDirectory(dir).open());
    assertFalse(Files.exists(leftover));
    assertTrue(Files.exists(snapshot));
    assertEquals(0, new SnapshotDirectory(tmp.resolve("fresh")).open());
  }

  @Test
  void listsOnlyTheGivenIdNewestFirst() throws IOException {
    SnapshotDirectory dir = new SnapshotDirectory(tmp);
    dir.open();
    var a1 = SnapshotFileName.of("a", 1, 50);
    var a2old = SnapshotFileName.of("a", 2, 10);
    var a2new = SnapshotFileName.of("a", 2, 20);
    for (var name :
        List.of(
            a1, a2old, a2new, SnapshotFileName.of("a-2", 3, 1), SnapshotFileName.of("b", 9, 9))) {
      dir.write(name, bytes(1));
    }

    assertEquals(List.of(a2new, a2old, a1), dir.list("a"));
  }

  @Test
  void writeReplacesSameNameAndLeavesNoTempFile() throws IOException {
    SnapshotDirectory dir = new SnapshotDirectory(tmp);
    dir.open();
    var name = SnapshotFileName.of("a", 1, 1);

    dir.write(name, bytes(1, 2));
    dir.write(name, bytes(3));

    assertArrayEquals(new byte[] {3}, dir.read(name));
    try (Stream<Path> files = Files.list(tmp)) {
      assertEquals(List.of(dir.resolve(name)), files.toList());
    }
  }

  @Test
  void deleteOlderDuplicatesKeepsNewerAndOtherSequenceNrs() throws IOException {
    SnapshotDirectory dir = new SnapshotDirectory(tmp);
    dir.open();
    var older = SnapshotFileName.of("a", 5, 1);
    var saved = SnapshotFileName.of("a", 5, 2);
    var newer = SnapshotFileName.of("a", 5, 3);
    var otherSeq = SnapshotFileName.of("a", 4, 1);
    for (var name : List.of(older, saved, newer, otherSeq)) {
      dir.write(name, bytes(1));
    }

    dir.deleteOlderDuplicates(saved);

    assertEquals(List.of(newer, saved, otherSeq), dir.list("a"));
  }
}
