package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.Epoch;
import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.FlushMode;
import io.sluice.persistence.store.MessageStore;
import io.sluice.persistence.store.NotMasterException;
import io.sluice.persistence.store.StorageFullException;
import io.sluice.persistence.store.StoreRole;
import io.sluice.persistence.store.StoredRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only thread that appends to the CommitLog. It takes every pending request, encodes them into
 * one buffer, issues one write (and with sync flush one force) for the batch, then updates the
 * ConsumeQueues and Index, publishes the new end and completes every caller of the batch.
 *
 * <p>A batch that fails (a full disk, an I/O error) is undone: its bytes are zeroed, its
 * ConsumeQueue and Index entries dropped, and its callers fail at once ({@link
 * StorageFullException} for a full disk); the next batch tries again. Only when undoing fails
 * does every later write fail until the store is reopened (recovery then repairs the tail).
 * Appends are refused without being written while the disk is above the hard limit ({@link
 * DiskSpace#writeRefusal}).
 *
 * <p>In the {@link StoreRole#REPLICA} role it refuses appends, deletions, EpochStart records and
 * retention's copies with {@link NotMasterException}, checked when the batch is written, so a
 * request queued before the role changed is refused too; replicated bytes are taken in either
 * role. Cuts of the log ({@link WriteRequest.TruncateTo}, {@link WriteRequest.ResetTo}) run alone
 * between batches.
 *
 * <p>Thread-safety: {@link #submit} from any thread; everything else runs on the writer thread.
 */
public final class GroupCommitWriter implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final int MAX_REQUESTS_PER_BATCH = 4096;

  private final CommitLog commitLog;
  private final ConsumeQueues queues;
  private final LogIndexer indexer;
  private final AppendNotifier notifier;
  private final FlushMode flushMode;
  private final int maxRecordBytes;
  private final Clock clock;
  private final DiskSpace diskSpace;
  private final EpochFile epochs;
  private final LogCuts cuts;
  private final RecordCodec codec = new RecordCodec();
  private final BlockingQueue<WriteRequest> inbox = new LinkedBlockingQueue<>();
  private final List<WriteRequest> drained = new ArrayList<>();
  private final List<WriteRequest> batch = new ArrayList<>();
  private final Thread thread;
  private volatile StoreRole role = StoreRole.MASTER;

  private ByteBuffer buffer;
  private long lastTimestamp;
  private volatile Throwable failure;
  /** Where the batch being written started; -1 once it is confirmed (nothing left to undo). */
  private long batchStart = -1;
  private volatile boolean stopping;

  // Entries to index once the batch is confirmed; parallel arrays so nothing is allocated per event.
  private int pending;
  private ConsumeQueue[] pendingQueues = new ConsumeQueue[1024];
  private EventRecord[] pendingEvents = new EventRecord[1024];
  private long[] pendingPositions = new long[1024];
  private int[] pendingSizes = new int[1024];
  private long[] pendingTagHashes = new long[1024];
  private int[] eventSizes = new int[256];
  private final List<ConsumeQueue> pendingDeletions = new ArrayList<>();
  private final List<long[]> pendingDeletionSeqs = new ArrayList<>();
  private final List<Relocated> pendingRelocated = new ArrayList<>();
  private final List<ByteBuffer> pendingRaw = new ArrayList<>();
  private final List<Long> pendingRawPositions = new ArrayList<>();
  private final List<long[]> pendingEpochs = new ArrayList<>();

  /** The log cuts the writer runs between batches; the caller holds what they must exclude. */
  public interface LogCuts {
    /** Cuts the log at {@code position}; returns the new end. */
    long truncateTo(long position) throws IOException;

    /** Empties the store, continuing at {@code position} in {@code epoch} (0: none known). */
    void resetTo(long position, long epoch) throws IOException;
  }

  public GroupCommitWriter(
      CommitLog commitLog,
      ConsumeQueues queues,
      LogIndexer indexer,
      AppendNotifier notifier,
      FlushMode flushMode,
      int writeBufferBytes,
      int maxRecordBytes,
      Clock clock,
      DiskSpace diskSpace,
      EpochFile epochs,
      LogCuts cuts) {
    this.commitLog = commitLog;
    this.epochs = epochs;
    this.cuts = cuts;
    this.queues = queues;
    this.indexer = indexer;
    this.notifier = notifier;
    this.flushMode = flushMode;
    this.maxRecordBytes = maxRecordBytes;
    this.clock = clock;
    this.diskSpace = diskSpace;
    this.buffer = ByteBuffer.allocateDirect(writeBufferBytes);
    this.thread = new Thread(this, "sluice-commitlog-writer");
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  /** Queues a request; fails it at once if the writer has failed or stopped. */
  public void submit(WriteRequest request) {
    Throwable failed = failure;
    if (failed != null) {
      request.fail(new IOException("store failed earlier and must be reopened: " + failed, failed));
      return;
    }
    if (stopping) {
      request.fail(new IllegalStateException("store is closed"));
      return;
    }
    inbox.add(request);
  }

  public void setRole(StoreRole role) {
    this.role = role;
  }

  public StoreRole role() {
    return role;
  }

  /** Why every write fails until the store is reopened (a failed batch could not be undone), or null. */
  public Throwable failure() {
    return failure;
  }

  /** Stops after the requests already queued are done. */
  public void stop() throws InterruptedException {
    stopping = true;
    thread.join();
    // A request that raced with stopping after the writer's last look.
    for (WriteRequest late; (late = inbox.poll()) != null; ) {
      late.fail(new IllegalStateException("store is closed"));
    }
  }

  @Override
  public void run() {
    while (true) {
      try {
        if (stopping && inbox.isEmpty()) {
          break;
        }
        // Polls rather than being interrupted: an interrupt during a write would close the channel.
        WriteRequest first = inbox.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        drained.add(first);
        inbox.drainTo(drained, MAX_REQUESTS_PER_BATCH - 1);
        for (WriteRequest request : drained) {
          if (request instanceof WriteRequest.TruncateTo || request instanceof WriteRequest.ResetTo) {
            runBatch();
            runCut(request);
          } else {
            batch.add(request);
          }
        }
        runBatch();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } finally {
        drained.clear();
      }
    }
    inbox.forEach(r -> r.fail(new IllegalStateException("store is closed")));
  }

  private void runBatch() {
    if (batch.isEmpty()) {
      return;
    }
    try {
      if (failure != null) {
        batch.forEach(r -> r.fail(new IOException("store failed earlier: " + failure, failure)));
      } else {
        processBatch();
      }
    } catch (Throwable t) {
      Throwable reported = undo(t);
      batch.forEach(r -> r.fail(reported));
    } finally {
      batch.clear();
      clearPending();
    }
  }

  /**
   * Runs a cut of the log. A refused one (not a record boundary, below the start, the tail not
   * kept) changed nothing; one that failed half-way leaves the store failed until reopened, when recovery
   * repairs it.
   */
  private void runCut(WriteRequest request) {
    if (failure != null) {
      request.fail(new IOException("store failed earlier: " + failure, failure));
      return;
    }
    try {
      if (request instanceof WriteRequest.TruncateTo truncate) {
        truncate.done().complete(cuts.truncateTo(truncate.position()));
      } else if (request instanceof WriteRequest.ResetTo reset) {
        cuts.resetTo(reset.position(), reset.epoch());
        reset.done().complete(null);
      }
    } catch (IllegalArgumentException | Truncation.NothingChangedException refused) {
      request.fail(refused);
    } catch (Throwable t) {
      failure = t;
      log.error("Cutting the CommitLog failed; every later write fails until the store is reopened", t);
      request.fail(t);
    }
  }

  /** Undoes the failed batch; returns what its callers are told. */
  private Throwable undo(Throwable cause) {
    long start = batchStart;
    batchStart = -1;
    if (start >= 0) {
      try {
        commitLog.rollback(start);
        indexer.rollbackFrom(start);
        epochs.truncateFrom(start);
        epochs.persist();
        for (Relocated r : pendingRelocated) {
          ConsumeQueue cq = queues.get(r.event().persistenceId());
          if (cq != null && cq.position(r.event().sequenceNr()) == r.position()) {
            cq.redo(r.event().sequenceNr(), r.from(), r.size(), r.tagHash());
          }
        }
      } catch (Throwable undoFailed) {
        cause.addSuppressed(undoFailed);
        failure = cause;
        log.error("CommitLog write at {} failed and could not be undone; every later write fails until the"
            + " store is reopened", start, cause);
        return cause;
      }
    }
    if (DiskSpace.isNoSpace(cause)) {
      diskSpace.markFull();
      log.warn("CommitLog write at {} failed: no space left on the disk; the batch was undone and its writes"
          + " failed, writes are tried again once there is space", start);
      return new StorageFullException(
          "no space left on the disk holding the store; nothing of this write was stored", cause);
    }
    log.error("CommitLog write at {} failed; the batch was undone and its writes failed, the next batch tries"
        + " again", start, cause);
    return cause;
  }

  private void processBatch() throws IOException {
    batchStart = commitLog.writePosition();
    long timestamp = Math.max(lastTimestamp, clock.millis());
    lastTimestamp = timestamp;
    buffer.clear();
    List<Optional<Exception>[]> results = new ArrayList<>(batch.size());
    Map<WriteRequest, Exception> rejected = new IdentityHashMap<>();
    Map<WriteRequest, Long> epochPositions = new IdentityHashMap<>();
    // Deletion markers and retention's copies still go: they are small, and retention frees space.
    StorageFullException full = diskSpace.writeRefusal();
    boolean replica = role == StoreRole.REPLICA;
    for (WriteRequest request : batch) {
      results.add(null);
      if (replica && !(request instanceof WriteRequest.RawAppend)) {
        rejected.put(request, new NotMasterException(
            "this store is a replica: it takes only replicated records, nothing of this write was stored"));
      } else if (request instanceof WriteRequest.Append append) {
        results.set(results.size() - 1, full != null ? refuseAll(append, full) : encodeAppend(append, timestamp));
      } else if (request instanceof WriteRequest.DeleteTo delete) {
        encodeDeletion(delete, timestamp);
      } else if (request instanceof WriteRequest.Relocate relocate) {
        encodeRelocation(relocate, timestamp);
      } else if (request instanceof WriteRequest.EpochStart epochStart) {
        Exception stale = staleEpoch(epochStart.epoch());
        if (stale != null) {
          rejected.put(request, stale);
        } else {
          epochPositions.put(request, encodeEpochStart(epochStart.epoch(), timestamp));
        }
      } else if (request instanceof WriteRequest.RawAppend raw) {
        try {
          writeRaw(raw);
        } catch (RawAppendMismatch mismatch) {
          rejected.put(raw, mismatch);
        }
      }
    }
    writeBuffer();
    long end = commitLog.writePosition();
    diskSpace.noteWritten(end - batchStart);
    // Relocated copies are forced before their entries move to them: the old copy goes next.
    // An EpochStart is forced before the epoch file names it.
    if (flushMode == FlushMode.SYNC || !pendingRelocated.isEmpty() || !pendingEpochs.isEmpty()) {
      commitLog.force(end);
    }
    applyPending();
    // Before the end is published, so no checkpoint passes an EpochStart the file lacks.
    epochs.persist();
    commitLog.confirm(end);
    batchStart = -1;
    for (int i = 0; i < batch.size(); i++) {
      WriteRequest request = batch.get(i);
      if (rejected.containsKey(request)) {
        request.fail(rejected.get(request));
      } else if (request instanceof WriteRequest.EpochStart epochStart) {
        epochStart.done().complete(epochPositions.get(request));
      } else {
        complete(request, results.get(i), end);
      }
    }
    if (notifier.hasWaiters()) {
      for (int i = 0; i < pending; i++) {
        notifier.signal(pendingQueues[i].persistenceId());
      }
      pendingDeletions.forEach(cq -> notifier.signal(cq.persistenceId()));
    }
    notifier.signalEnd(end);
  }

  @SuppressWarnings("unchecked")
  private Optional<Exception>[] encodeAppend(WriteRequest.Append append, long timestamp)
      throws IOException {
    List<List<EventRecord>> writes = append.writes();
    Optional<Exception>[] results = new Optional[writes.size()];
    for (int w = 0; w < writes.size(); w++) {
      List<EventRecord> events = writes.get(w);
      Exception rejection = validate(events);
      results[w] = Optional.ofNullable(rejection);
      if (rejection == null && !events.isEmpty()) {
        encodeWrite(events, timestamp);
      }
    }
    return results;
  }

  @SuppressWarnings("unchecked")
  private static Optional<Exception>[] refuseAll(WriteRequest.Append append, StorageFullException full) {
    Optional<Exception>[] results = new Optional[append.writes().size()];
    Arrays.fill(results, Optional.of(full));
    return results;
  }

  /** Why an atomic write cannot be stored, or null; computes the encoded sizes as it goes. */
  private Exception validate(List<EventRecord> events) throws IOException {
    if (eventSizes.length < events.size()) {
      eventSizes = new int[Math.max(events.size(), eventSizes.length * 2)];
    }
    long total = 0;
    for (int i = 0; i < events.size(); i++) {
      EventRecord e = events.get(i);
      int size;
      try {
        size = RecordCodec.encodedSize(e);
      } catch (IllegalArgumentException tooLong) {
        return tooLong;
      }
      if (size > maxRecordBytes) {
        return new IllegalArgumentException(
            "event " + e.persistenceId() + "#" + e.sequenceNr() + " encodes to " + size
                + " bytes, above max-record-size " + maxRecordBytes);
      }
      ConsumeQueue cq = queues.get(e.persistenceId());
      long highest = Math.max(cq == null ? 0 : cq.reservedSequenceNr(), earlierInWrite(events, i));
      if (e.sequenceNr() <= highest) {
        return new IllegalArgumentException(
            "sequence nr " + e.sequenceNr() + " of '" + e.persistenceId()
                + "' is not above the highest already written, " + highest);
      }
      eventSizes[i] = size;
      total += size;
    }
    if (total > commitLog.segmentSize() - RecordCodec.END_FILLER_MIN) {
      return new IllegalArgumentException(
          "atomic write of " + total + " bytes does not fit in one segment of " + commitLog.segmentSize());
    }
    return null;
  }

  /** Sequence nr of the closest earlier event of the same id in this atomic write, 0 if none. */
  private static long earlierInWrite(List<EventRecord> events, int index) {
    String persistenceId = events.get(index).persistenceId();
    for (int i = index - 1; i >= 0; i--) {
      if (events.get(i).persistenceId().equals(persistenceId)) {
        return events.get(i).sequenceNr();
      }
    }
    return 0;
  }

  private void encodeWrite(List<EventRecord> events, long timestamp) throws IOException {
    long total = 0;
    for (int i = 0; i < events.size(); i++) {
      total += eventSizes[i];
    }
    if (total > commitLog.activeSegment().endPosition() - nextPosition()) {
      writeBuffer();
      commitLog.roll();
    }
    for (int i = 0; i < events.size(); i++) {
      EventRecord e = events.get(i);
      int size = eventSizes[i];
      ensureRoom(size);
      long position = nextPosition();
      long tagHash = indexer.tagHashOf(e.tags());
      codec.encode(buffer, e, size, i == events.size() - 1, timestamp, tagHash);
      ConsumeQueue cq = queues.getOrCreate(e.persistenceId());
      cq.reserve(e.sequenceNr());
      addPending(cq, e, position, size, tagHash);
    }
  }

  private void encodeDeletion(WriteRequest.DeleteTo delete, long timestamp) throws IOException {
    ConsumeQueue cq = queues.get(delete.persistenceId());
    if (cq == null) {
      return;
    }
    long upTo = Math.min(delete.toSequenceNr(), cq.highestSequenceNr());
    int size = RecordCodec.deletionMarkerSize(delete.persistenceId());
    if (size > commitLog.activeSegment().endPosition() - nextPosition()) {
      writeBuffer();
      commitLog.roll();
    }
    ensureRoom(size);
    codec.encodeDeletionMarker(buffer, delete.persistenceId(), upTo, size, timestamp);
    pendingDeletions.add(cq);
    pendingDeletionSeqs.add(new long[] {upTo});
  }

  /** Why {@code epoch} cannot start now (it does not follow the last one), or null. */
  private Exception staleEpoch(long epoch) {
    long last = epochs.history().last().map(Epoch::epoch).orElse(0L);
    for (long[] pendingEpoch : pendingEpochs) {
      last = Math.max(last, pendingEpoch[0]);
    }
    return epoch > last ? null
        : new IllegalArgumentException("epoch " + epoch + " does not follow this log's last epoch " + last);
  }

  /** Encodes an EpochStart record; returns its position. */
  private long encodeEpochStart(long epoch, long timestamp) throws IOException {
    if (RecordCodec.EPOCH_START_SIZE > commitLog.activeSegment().endPosition() - nextPosition()) {
      writeBuffer();
      commitLog.roll();
    }
    ensureRoom(RecordCodec.EPOCH_START_SIZE);
    long position = nextPosition();
    codec.encodeEpochStart(buffer, epoch, timestamp);
    pendingEpochs.add(new long[] {epoch, position});
    return position;
  }

  /**
   * Encodes each live copy as an atomic write of its own, stamped with the batch's time. A copy
   * whose entry no longer points at the old one (a cut of the log since retention looked) is not
   * written: its event is no longer this id's.
   */
  private void encodeRelocation(WriteRequest.Relocate relocate, long timestamp) throws IOException {
    for (StoredRecord r : relocate.records()) {
      ConsumeQueue current = queues.get(r.persistenceId());
      if (current == null || r.sequenceNr() > current.highestSequenceNr() || current.size(r.sequenceNr()) <= 0
          || current.position(r.sequenceNr()) != r.position()) {
        continue;
      }
      EventRecord e = new EventRecord(r.persistenceId(), r.sequenceNr(), r.writerUuid(), r.tags(),
          r.serializerId(), r.manifest(), r.adapterManifest(), r.payload());
      int size = RecordCodec.encodedSize(e);
      if (size > commitLog.activeSegment().endPosition() - nextPosition()) {
        writeBuffer();
        commitLog.roll();
      }
      ensureRoom(size);
      long position = nextPosition();
      long tagHash = indexer.tagHashOf(e.tags());
      codec.encode(buffer, e, size, true, timestamp, tagHash);
      pendingRelocated.add(new Relocated(e, r.position(), position, size, tagHash));
    }
  }

  /** A live copy written at {@code position}, replacing the one at {@code from}. */
  private record Relocated(EventRecord event, long from, long position, int size, long tagHash) {}

  /**
   * Verifies replicated records, then writes them verbatim at the same position. Nothing is
   * written if any check fails.
   */
  private void writeRaw(WriteRequest.RawAppend raw) throws IOException {
    writeBuffer();
    ByteBuffer bytes = raw.bytes().duplicate();
    long position = raw.position();
    long write = commitLog.writePosition();
    boolean skipsTinyTail =
        position == commitLog.activeSegment().endPosition()
            && position - write < RecordCodec.END_FILLER_MIN;
    if (position != write && !skipsTinyTail) {
      throw new RawAppendMismatch(
          "replicated chunk starts at " + position + " but this log ends at " + write);
    }
    int recordsEnd = verifyRaw(bytes, skipsTinyTail ? commitLog.segmentSize() : commitLog.activeSegment().endPosition() - write);
    if (skipsTinyTail) {
      commitLog.roll();
    }
    ByteBuffer records = bytes.duplicate();
    records.limit(recordsEnd);
    long base = commitLog.writePosition() - bytes.position();
    commitLog.append(records.duplicate());
    pendingRaw.add(records);
    pendingRawPositions.add(base);
    if (recordsEnd < bytes.limit()) {
      commitLog.roll();
    }
  }

  /** Checks every record and returns where they end (an end-of-segment marker may follow). */
  private int verifyRaw(ByteBuffer bytes, long roomInSegment) throws RawAppendMismatch {
    int at = bytes.position();
    while (at < bytes.limit()) {
      int available = bytes.limit() - at;
      if (available >= RecordCodec.PREAMBLE_SIZE
          && RecordCodec.magicAt(bytes, at) == RecordCodec.END_MAGIC) {
        if (available != RecordCodec.PREAMBLE_SIZE) {
          throw new RawAppendMismatch("end-of-segment marker is not the last bytes of the chunk");
        }
        return at;
      }
      String invalid = codec.verify(bytes, at, available);
      if (invalid != null) {
        throw new RawAppendMismatch("replicated record at chunk offset " + (at - bytes.position()) + ": " + invalid);
      }
      at += RecordCodec.sizeAt(bytes, at);
      if (at - bytes.position() > roomInSegment) {
        throw new RawAppendMismatch("replicated records cross the end of the segment");
      }
    }
    return at;
  }

  private void applyPending() throws IOException {
    for (int i = 0; i < pending; i++) {
      indexer.indexAppended(
          pendingQueues[i], pendingEvents[i], pendingPositions[i], pendingSizes[i], pendingTagHashes[i], lastTimestamp);
    }
    for (Relocated r : pendingRelocated) {
      ConsumeQueue cq = queues.get(r.event().persistenceId());
      if (cq != null) {
        indexer.indexRelocated(cq, r.event(), r.from(), r.position(), r.size(), r.tagHash(), lastTimestamp);
      }
    }
    for (long[] epochStart : pendingEpochs) {
      epochs.observe(epochStart[0], epochStart[1]);
    }
    boolean logStartsAtZero = commitLog.minPosition() == 0;
    for (int i = 0; i < pendingRaw.size(); i++) {
      applyRaw(pendingRaw.get(i), pendingRawPositions.get(i), logStartsAtZero);
    }
    // Last, as it cannot fail: a failed batch is undone with nothing of it applied.
    for (int i = 0; i < pendingDeletions.size(); i++) {
      pendingDeletions.get(i).markDeletedTo(pendingDeletionSeqs.get(i)[0]);
    }
  }

  /** Indexes each record of a raw chunk; {@code base} is the log position of buffer index 0. */
  private void applyRaw(ByteBuffer records, long base, boolean logStartsAtZero) throws IOException {
    for (int at = records.position(); at < records.limit(); at += RecordCodec.sizeAt(records, at)) {
      indexer.indexVerified(records, at, base + at, true, true, logStartsAtZero);
    }
  }

  private void complete(WriteRequest request, Optional<Exception>[] results, long end) {
    if (request instanceof WriteRequest.Append append) {
      append.done().complete(new MessageStore.AppendResult(Arrays.asList(results), end));
    } else if (request instanceof WriteRequest.DeleteTo delete) {
      delete.done().complete(null);
    } else if (request instanceof WriteRequest.RawAppend raw) {
      raw.done().complete(end);
    } else if (request instanceof WriteRequest.Relocate relocate) {
      relocate.done().complete(null);
    }
  }

  private long nextPosition() {
    return commitLog.writePosition() + buffer.position();
  }

  private void ensureRoom(int size) throws IOException {
    if (size > buffer.remaining()) {
      writeBuffer();
      if (size > buffer.capacity()) {
        buffer = ByteBuffer.allocateDirect(size);
      }
    }
  }

  private void writeBuffer() throws IOException {
    if (buffer.position() > 0) {
      buffer.flip();
      commitLog.append(buffer);
      buffer.clear();
    }
  }

  private void addPending(ConsumeQueue cq, EventRecord e, long position, int size, long tagHash) {
    if (pending == pendingEvents.length) {
      int n = pending * 2;
      pendingQueues = Arrays.copyOf(pendingQueues, n);
      pendingEvents = Arrays.copyOf(pendingEvents, n);
      pendingPositions = Arrays.copyOf(pendingPositions, n);
      pendingSizes = Arrays.copyOf(pendingSizes, n);
      pendingTagHashes = Arrays.copyOf(pendingTagHashes, n);
    }
    pendingQueues[pending] = cq;
    pendingEvents[pending] = e;
    pendingPositions[pending] = position;
    pendingSizes[pending] = size;
    pendingTagHashes[pending] = tagHash;
    pending++;
  }

  private void clearPending() {
    Arrays.fill(pendingEvents, 0, pending, null);
    Arrays.fill(pendingQueues, 0, pending, null);
    pending = 0;
    pendingDeletions.clear();
    pendingDeletionSeqs.clear();
    pendingRaw.clear();
    pendingRawPositions.clear();
    pendingRelocated.clear();
    pendingEpochs.clear();
  }

  /** A replicated chunk that does not continue this log: the replica must resynchronize. */
  public static final class RawAppendMismatch extends IOException {
    RawAppendMismatch(String message) {
      super(message);
    }
  }
}
