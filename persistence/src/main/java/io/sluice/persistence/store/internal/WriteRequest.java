package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.StoredRecord;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Work for the group-commit writer; each completes its future once its batch is confirmed. */
public sealed interface WriteRequest {

  void fail(Throwable cause);

  /**
   * Atomic writes to append; the future gets one entry per write (empty if stored, else why it
   * was rejected: nothing of a rejected write is stored) and the log end after the batch.
   */
  record Append(List<List<EventRecord>> writes, CompletableFuture<MessageStore.AppendResult> done)
      implements WriteRequest {
    @Override
    public void fail(Throwable cause) {
      done.completeExceptionally(cause);
    }
  }

  /** Logical deletion of a persistence id's events up to a sequence nr, as a log record. */
  record DeleteTo(String persistenceId, long toSequenceNr, CompletableFuture<Void> done)
      implements WriteRequest {
    @Override
    public void fail(Throwable cause) {
      done.completeExceptionally(cause);
    }
  }

  /** Verbatim records from another store, to be written at the same position; yields the end. */
  record RawAppend(long position, ByteBuffer bytes, CompletableFuture<Long> done)
      implements WriteRequest {
    @Override
    public void fail(Throwable cause) {
      done.completeExceptionally(cause);
    }
  }

  /** A new master's EpochStart record; yields its position. */
  record EpochStart(long epoch, CompletableFuture<Long> done) implements WriteRequest {
    @Override
    public void fail(Throwable cause) {
      done.completeExceptionally(cause);
    }
  }

  /** Cuts the log at a record boundary (a divergent tail), alone between batches; yields the new end. */
  record TruncateTo(long position, CompletableFuture<Long> done) implements WriteRequest {
    @Override
    public void fail(Throwable cause) {
      done.completeExceptionally(cause);
    }
  }

  /**
   * Empties the store, which then continues at a segment boundary in {@code epoch} (0: none known);
   * alone between batches.
   */
  record ResetTo(long position, long epoch, CompletableFuture<Void> done) implements WriteRequest {
    @Override
    public void fail(Throwable cause) {
      done.completeExceptionally(cause);
    }
  }

  /**
   * Retention: copies of live events from a segment about to be deleted, to be written at the
   * head of the log (forced, whatever the flush mode) and pointed at by their ConsumeQueue entries.
   */
  record Relocate(List<StoredRecord> records, CompletableFuture<Void> done) implements WriteRequest {
    @Override
    public void fail(Throwable cause) {
      done.completeExceptionally(cause);
    }
  }
}
