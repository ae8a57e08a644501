package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.CorruptedRecordException;
import io.sluice.persistence.store.StoreSettings;
import io.sluice.persistence.store.StoredRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * Compaction before retention: copies the live events of long-lived persistence ids (every id
 * that is not expendable, see {@code retention.expendable-id-prefixes}) out of a segment about to
 * be deleted, to the head of the log, through the writer, which forces them and repoints their
 * ConsumeQueue entries. Live means: the id's ConsumeQueue still points at this copy, and it is not
 * deleted. The id's deletion watermark is written again too, so that a ConsumeQueue rebuilt from
 * the log later does not bring deleted events back.
 *
 * <p>A crash at any point leaves the old copy, the new one or both; recovery then points the entry
 * at the later one, which is the same event.
 *
 * <p>Thread-safety: one caller at a time (retention); blocks until the writer confirmed the copies.
 */
public final class LiveEventCarrier {
  private static final int HEADER_BYTES = 1024;
  private static final long MAX_BYTES_PER_WRITE = 4L * 1024 * 1024;

  private final StoreSettings settings;
  private final CommitLog commitLog;
  private final ConsumeQueues queues;
  private final Consumer<WriteRequest> writer;
  private final RecordCodec codec = new RecordCodec();

  public LiveEventCarrier(StoreSettings settings, CommitLog commitLog, ConsumeQueues queues, Consumer<WriteRequest> writer) {
    this.settings = settings;
    this.commitLog = commitLog;
    this.queues = queues;
    this.writer = writer;
  }

  /** Whether some ids are long-lived, so that segments must be scanned before deletion. */
  public boolean hasWork() {
    return !settings.expendableIdPrefixes().contains("");
  }

  /**
   * Copies the live long-lived events of {@code segment} to the head of the log; returns how many.
   *
   * @throws IOException if the segment cannot be read or verified, or the copies not written: the
   *     segment must then not be deleted
   */
  public int carryForward(Segment segment) throws IOException {
    List<StoredRecord> live = new ArrayList<>();
    Set<String> deletedIds = new LinkedHashSet<>();
    long pending = 0;
    int carried = 0;
    long position = segment.basePosition();
    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
    while (segment.endPosition() - position >= RecordCodec.PREAMBLE_SIZE) {
      header.clear().limit((int) Math.min(HEADER_BYTES, segment.endPosition() - position));
      int n = segment.read(header, position);
      int size = RecordCodec.sizeAt(header, 0);
      int magic = RecordCodec.magicAt(header, 0);
      if (magic != RecordCodec.RECORD_MAGIC || size <= 0) {
        break; // end-of-segment marker, or the unwritten rest of the segment
      }
      if (size < RecordCodec.VARIABLE_OFFSET + 2 || size > segment.endPosition() - position) {
        throw new CorruptedRecordException(segment.file(), position, "implausible record size " + size + "; the segment is kept");
      }
      // EpochStart records stay behind: the epochs file keeps the history they started.
      if ((RecordCodec.flagsAt(header, 0) & RecordCodec.FLAG_EPOCH_START) != 0) {
        position += size;
        continue;
      }
      // Most records are messages, dropped unread: their id is in the header.
      int idEnd = RecordCodec.VARIABLE_OFFSET + 2 + (header.getShort(RecordCodec.VARIABLE_OFFSET) & 0xFFFF);
      if (idEnd <= n && settings.isExpendable(RecordCodec.persistenceIdAt(header, 0))) {
        position += size;
        continue;
      }
      ByteBuffer record = n >= size ? header : ByteBuffer.allocate(size);
      if (record != header) {
        segment.read(record, position);
      }
      String persistenceId = RecordCodec.persistenceIdAt(record, 0);
      if (!settings.isExpendable(persistenceId)) {
        String invalid = codec.verify(record, 0, Math.min(size, record.limit()));
        if (invalid != null) {
          throw new CorruptedRecordException(segment.file(), position, invalid + "; the segment is kept");
        }
        if ((RecordCodec.flagsAt(record, 0) & RecordCodec.FLAG_DELETION_MARKER) != 0) {
          deletedIds.add(persistenceId);
        } else if (isLive(persistenceId, RecordCodec.sequenceNrAt(record, 0), position)) {
          live.add(RecordCodec.decode(record, 0, position));
          pending += size;
          if (pending >= MAX_BYTES_PER_WRITE) {
            carried += write(live);
            live.clear();
            pending = 0;
          }
        }
      }
      position += size;
    }
    carried += write(live);
    for (String persistenceId : deletedIds) {
      ConsumeQueue cq = queues.get(persistenceId);
      if (cq != null && cq.deletedTo() > 0) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        writer.accept(new WriteRequest.DeleteTo(persistenceId, cq.deletedTo(), done));
        await(done);
      }
    }
    return carried;
  }

  private boolean isLive(String persistenceId, long sequenceNr, long position) {
    ConsumeQueue cq = queues.get(persistenceId);
    return cq != null && sequenceNr > cq.deletedTo() && sequenceNr <= cq.highestSequenceNr()
        && cq.size(sequenceNr) > 0 && cq.position(sequenceNr) == position;
  }

  private int write(List<StoredRecord> records) throws IOException {
    if (records.isEmpty()) {
      return 0;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    writer.accept(new WriteRequest.Relocate(List.copyOf(records), done));
    await(done);
    return records.size();
  }

  private static void await(CompletableFuture<Void> done) throws IOException {
    try {
      done.get();
    } catch (ExecutionException e) {
      throw new IOException("carrying live events forward failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while carrying live events forward", e);
    }
  }
}
