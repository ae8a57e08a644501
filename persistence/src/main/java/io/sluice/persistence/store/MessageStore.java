package io.sluice.persistence.store;

import io.sluice.persistence.store.internal.AppendNotifier;
import io.sluice.persistence.store.internal.Checkpoint;
import io.sluice.persistence.store.internal.CleanStop;
import io.sluice.persistence.store.internal.CommitLog;
import io.sluice.persistence.store.internal.ConsumeQueue;
import io.sluice.persistence.store.internal.ConsumeQueues;
import io.sluice.persistence.store.internal.DiskSpace;
import io.sluice.persistence.store.internal.EpochFile;
import io.sluice.persistence.store.internal.FilteredScan;
import io.sluice.persistence.store.internal.GroupCommitWriter;
import io.sluice.persistence.store.internal.LiveEventCarrier;
import io.sluice.persistence.store.internal.LogIndexer;
import io.sluice.persistence.store.internal.MessageIndex;
import io.sluice.persistence.store.internal.PositionRemovedException;
import io.sluice.persistence.store.internal.RecordCodec;
import io.sluice.persistence.store.internal.RecordReader;
import io.sluice.persistence.store.internal.Recovery;
import io.sluice.persistence.store.internal.Retention;
import io.sluice.persistence.store.internal.Segment;
import io.sluice.persistence.store.internal.Truncation;
import io.sluice.persistence.store.internal.WriteRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage engine, modelled on RocketMQ's store: one CommitLog of all events, a ConsumeQueue
 * per persistence id for O(1) lookup by sequence number, an Index for lookup by key, message id
 * and store time, and a checkpoint that bounds recovery.
 *
 * <p>Appends go through one group-commit writer thread; a flusher thread forces the log (async
 * flush), writes checkpoints and applies retention. Reads run on the caller's thread and verify
 * each record's CRC.
 *
 * <p>Replication: a replica copies the master's log byte for byte ({@link #readRaw}, {@link
 * #appendRaw}) and indexes it itself. Each master's term is an epoch, begun by an EpochStart
 * record ({@link #startEpoch}) and kept in the {@code epochs} file; a returning replica cuts the
 * records its master never had ({@link #truncateTo}), or starts empty at the master's oldest
 * position ({@link #resetTo}). A {@link StoreRole#REPLICA} refuses writes of its own.
 *
 * <p>Thread-safety: every public method may be called from any thread.
 */
public final class MessageStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MessageStore.class);
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

  private final StoreSettings settings;
  private final Clock clock;
  private final CommitLog commitLog;
  private final RecordReader reader;
  private final ConsumeQueues queues;
  private final MessageIndex index;
  private final CommitTracker commits;
  private final AppendNotifier notifier;
  private final GroupCommitWriter writer;
  private final Retention retention;
  private final ScheduledExecutorService flusher;
  private final Recovery.Result recovery;
  private final boolean lastStopClean;
  private final DirectoryLock lock;
  private final DiskSpace diskSpace;
  private final EpochFile epochs;
  private final Truncation truncation;
  /** Held by cuts of the log and by retention's deletions, which must not interleave. */
  private final Object cutLock = new Object();
  private volatile long replicaFloor;
  private volatile boolean closed;

  /**
   * What {@link #appendAllAt} did.
   *
   * @param results one entry per atomic write: empty when stored, or why it was rejected
   * @param endPosition the log end after the group-commit batch that held these writes
   */
  public record AppendResult(List<Optional<Exception>> results, long endPosition) {
    public AppendResult {
      results = List.copyOf(results);
    }
  }

  private MessageStore(
      StoreSettings settings,
      Clock clock,
      CommitLog commitLog,
      ConsumeQueues queues,
      MessageIndex index,
      LogIndexer indexer,
      EpochFile epochs,
      Recovery.Result recovery,
      boolean lastStopClean,
      DirectoryLock lock,
      DiskSpace.UsageProbe usage) {
    this.settings = settings;
    this.lastStopClean = lastStopClean;
    this.epochs = epochs;
    this.truncation = new Truncation(settings, commitLog, queues, index, epochs);
    this.lock = lock;
    this.diskSpace = new DiskSpace(settings, clock, usage);
    this.clock = clock;
    this.commitLog = commitLog;
    this.commits = new CommitTracker(settings.replication(), commitLog::confirmedPosition);
    this.notifier = new AppendNotifier(commits::logEndMoved);
    this.reader = new RecordReader(commitLog, settings.commitLogDir(), settings.segmentSizeBytes());
    this.queues = queues;
    this.index = index;
    this.recovery = recovery;
    this.writer =
        new GroupCommitWriter(
            commitLog, queues, indexer, notifier, settings.flushMode(),
            settings.writeBufferBytes(), settings.maxRecordBytes(), clock, diskSpace, epochs, new Cuts());
    this.retention = new Retention(settings, clock, commitLog, queues, index, usage,
        new LiveEventCarrier(settings, commitLog, queues, writer::submit), writer::role, () -> replicaFloor, cutLock);
    this.flusher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sluice-commitlog-flusher");
              t.setDaemon(true);
              return t;
            });
  }

  public static MessageStore open(StoreSettings settings) throws IOException {
    return open(settings, Clock.systemUTC());
  }

  /**
   * Opens the store in {@code settings.dir()}, recovering after a crash if needed. The directory
   * is locked first and until {@link #close}: a second store on it, in this process or another,
   * would truncate and overwrite this one's log.
   *
   * @throws DirectoryLockedException if another store holds the directory
   */
  public static MessageStore open(StoreSettings settings, Clock clock) throws IOException {
    return open(settings, clock, DiskSpace.fileSystemOf(settings.dir()));
  }

  /** As {@link #open(StoreSettings, Clock)}, with the disk usage read from {@code usage} (for tests). */
  public static MessageStore open(StoreSettings settings, Clock clock, DiskSpace.UsageProbe usage)
      throws IOException {
    DirectoryLock lock = DirectoryLock.acquire(settings.dir());
    try {
      return open(settings, clock, lock, usage);
    } catch (IOException | RuntimeException | Error e) {
      lock.close();
      throw e;
    }
  }

  private static MessageStore open(
      StoreSettings settings, Clock clock, DirectoryLock lock, DiskSpace.UsageProbe usage) throws IOException {
    long started = System.nanoTime();
    boolean cleanStop = new CleanStop(settings.cleanStopFile()).consume();
    Checkpoint checkpoint = Checkpoint.read(settings.checkpointFile());
    // a new store has nothing to lose
    boolean lastStopClean = cleanStop || (checkpoint == null && !Files.exists(settings.commitLogDir()));
    CommitLog commitLog = CommitLog.open(settings.commitLogDir(), settings.segmentSizeBytes());
    long min = commitLog.minPosition();

    ConsumeQueues queues = loadQueues(settings, checkpoint);
    boolean rebuildQueues = checkpoint == null || queues.count() == 0;
    long consumeQueueFrom = rebuildQueues ? min : Math.max(min, checkpoint.position());

    // A missing index directory means lost files; an empty one means nothing was tagged.
    boolean indexMissing = !Files.isDirectory(settings.indexDir());
    MessageIndex index = loadIndex(settings);
    long indexFrom = indexMissing ? min : consumeQueueFrom;
    // A missing or damaged epochs file is rebuilt from the EpochStart records the log still holds.
    EpochFile epochs = EpochFile.load(settings.epochsFile());
    long epochsFrom = epochs.isComplete() ? consumeQueueFrom : min;
    LogIndexer indexer =
        new LogIndexer(queues, index, epochs, settings.filterTagPrefix(), settings.keyTagPrefix(),
            settings.messageIdTagPrefix());
    Recovery.Result result =
        new Recovery(commitLog, indexer).run(consumeQueueFrom, indexFrom, index.lastIndexedPosition(), epochsFrom);
    for (ConsumeQueue cq : queues.all()) {
      cq.truncateFrom(result.end());
      cq.retainFrom(min);
    }
    index.truncateFrom(result.end());
    // An epoch may start at the end (a replica reset in it), not past it.
    epochs.truncateFrom(result.end() + 1);
    epochs.persist();

    MessageStore store =
        new MessageStore(settings, clock, commitLog, queues, index, indexer, epochs, result, lastStopClean, lock,
            usage);
    store.checkpoint();
    store.start();
    log.info(
        "Store opened in {}: log [{}, {}), {} persistence ids, recovery verified {} records from {} in {} ms",
        settings.dir(), min, result.end(), queues.count(), result.records(), result.scannedFrom(),
        (System.nanoTime() - started) / 1_000_000);
    return store;
  }

  private static ConsumeQueues loadQueues(StoreSettings settings, Checkpoint checkpoint) throws IOException {
    try {
      ConsumeQueues queues = ConsumeQueues.load(settings.consumeQueueDir(), settings.consumeQueueEntriesPerFile());
      if (checkpoint == null || queues.count() >= checkpoint.consumeQueueCount()) {
        return queues;
      }
      log.warn("{} ConsumeQueues found, the checkpoint recorded {}: rebuilding all from the CommitLog",
          queues.count(), checkpoint.consumeQueueCount());
    } catch (IOException e) {
      log.warn("ConsumeQueues are damaged ({}): rebuilding all from the CommitLog", e.getMessage());
    }
    ConsumeQueues.wipe(settings.consumeQueueDir());
    return ConsumeQueues.load(settings.consumeQueueDir(), settings.consumeQueueEntriesPerFile());
  }

  private static MessageIndex loadIndex(StoreSettings settings) throws IOException {
    try {
      return MessageIndex.open(settings.indexDir(), settings.indexSlotCount(), settings.indexMaxEntries());
    } catch (IOException e) {
      log.warn("Index is damaged ({}): rebuilding it from the CommitLog", e.getMessage());
      MessageIndex.wipe(settings.indexDir());
      return MessageIndex.open(settings.indexDir(), settings.indexSlotCount(), settings.indexMaxEntries());
    }
  }

  private void start() {
    writer.start();
    if (settings.flushMode() == FlushMode.ASYNC) {
      schedule(this::flush, settings.flushInterval().toMillis());
    }
    schedule(this::checkpoint, settings.checkpointInterval().toMillis());
    schedule(retention::run, settings.retentionCheckInterval().toMillis());
  }

  private void schedule(IoTask task, long intervalMs) {
    flusher.scheduleWithFixedDelay(
        () -> {
          try {
            task.run();
          } catch (IOException | RuntimeException e) {
            log.error("Store background task failed in {}", settings.dir(), e);
          }
        },
        intervalMs, intervalMs, TimeUnit.MILLISECONDS);
  }

  @FunctionalInterface
  private interface IoTask {
    void run() throws IOException;
  }

  public StoreSettings settings() {
    return settings;
  }

  /** What recovery did when this store was opened. */
  public Recovery.Result recovery() {
    return recovery;
  }

  /**
   * Whether the store was closed cleanly ({@link #close}) before this open; false after a kill or
   * a machine stop (with async flushing acknowledged writes may be lost then). True for a new store.
   */
  public boolean lastStopClean() {
    return lastStopClean;
  }

  /**
   * Appends one atomic write: after a crash either all of its events are readable or none. The
   * future completes when the batch holding it is written (and forced, with sync flush), or fails
   * with the reason it was rejected ({@link NotMasterException} on a replica).
   */
  public CompletableFuture<Void> append(List<EventRecord> atomicWrite) {
    return appendAll(List.of(atomicWrite))
        .thenCompose(
            results ->
                results.get(0).isPresent()
                    ? CompletableFuture.failedFuture(results.get(0).get())
                    : CompletableFuture.completedFuture(null));
  }

  /**
   * Appends several atomic writes in order. The future holds one entry per write: empty when
   * stored, or the reason it was rejected (nothing of it stored); it fails only if the store
   * itself failed, or is a replica ({@link NotMasterException}).
   */
  public CompletableFuture<List<Optional<Exception>>> appendAll(List<List<EventRecord>> atomicWrites) {
    return appendAllAt(atomicWrites).thenApply(AppendResult::results);
  }

  /**
   * {@link #appendAll}, also yielding the log end after the group-commit batch that held these
   * writes: once replicas confirm that position, the writes are on them.
   */
  public CompletableFuture<AppendResult> appendAllAt(List<List<EventRecord>> atomicWrites) {
    CompletableFuture<AppendResult> done = new CompletableFuture<>();
    writer.submit(new WriteRequest.Append(atomicWrites, done));
    return done;
  }

  /**
   * Logically deletes events of {@code persistenceId} up to {@code toSequenceNr} (capped at the
   * highest written); the highest sequence nr is kept. Durable like an append; refused on a
   * replica ({@link NotMasterException}).
   */
  public CompletableFuture<Void> deleteTo(String persistenceId, long toSequenceNr) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    writer.submit(new WriteRequest.DeleteTo(persistenceId, toSequenceNr, done));
    return done;
  }

  /**
   * Why messages should be refused now: the disk is above {@code disk-limits.max-used-ratio}, or
   * a write just ran out of space. Admission control for callers, checked before a message reaches
   * the journal (a persist the journal refuses gets no answer in Pekko); the writer itself refuses
   * appends only above {@code disk-limits.hard-max-used-ratio}. Cheap: one sample per check
   * interval.
   */
  public Optional<StorageFullException> messageWriteRefusal() {
    return Optional.ofNullable(diskSpace.messageRefusal());
  }

  /**
   * Whether messages can be stored now: no {@link #messageWriteRefusal}, and the writer has not
   * failed for good (a failed batch that could not be undone; the store must be reopened). A batch
   * that failed and was undone does not count: the next one tries again, and a full disk shows
   * in the refusal.
   */
  public boolean acceptsMessageWrites() {
    return diskSpace.messageRefusal() == null && writer.failure() == null;
  }

  /** Highest sequence nr written for the id, 0 if none; deletions do not lower it. */
  public long highestSequenceNr(String persistenceId) {
    ConsumeQueue cq = queues.get(persistenceId);
    return cq == null ? 0 : cq.highestSequenceNr();
  }

  /** Lowest sequence nr a read may start from: above deletions and retention. */
  public long lowestSequenceNr(String persistenceId) {
    ConsumeQueue cq = queues.get(persistenceId);
    return cq == null ? 1 : Math.max(cq.deletedTo() + 1, cq.lowestRetainedSequenceNr());
  }

  /**
   * Events of {@code persistenceId} with sequence numbers in [from, to], at most {@code max}, in
   * order; logically deleted events and holes are skipped.
   *
   * @throws SequenceOutOfRangeException if retention removed events in the range that were not
   *     deleted
   * @throws CorruptedRecordException if a record fails its CRC
   */
  public List<StoredRecord> read(String persistenceId, long from, long to, long max) throws IOException {
    return read(persistenceId, from, to, max, Long.MAX_VALUE);
  }

  /**
   * Like {@link #read(String, long, long, long)}, stopping also after the record that brings the
   * records' sizes to {@code maxBytes} (so a read returns at least one record if any is there).
   */
  public List<StoredRecord> read(String persistenceId, long from, long to, long max, long maxBytes)
      throws IOException {
    ConsumeQueue cq = queues.get(persistenceId);
    List<StoredRecord> out = new ArrayList<>();
    if (cq == null || max <= 0) {
      return out;
    }
    long start = Math.max(from, cq.deletedTo() + 1);
    long last = Math.min(to, cq.highestSequenceNr());
    RecordCodec codec = new RecordCodec();
    long bytes = 0;
    for (long s = start; s <= last && out.size() < max && bytes < maxBytes; s++) {
      int size = cq.size(s);
      if (size != ConsumeQueue.HOLE) {
        out.add(reader.readEntry(codec, cq, s, size));
        bytes += size;
      }
    }
    return out;
  }

  /**
   * Like {@link #read}, but what retention removed is skipped, as deleted events are: a read from
   * below the retained range starts at its lowest event. For replays and live queries, whose
   * callers see the jump in sequence numbers.
   */
  public List<StoredRecord> readRetained(String persistenceId, long from, long to, long max) throws IOException {
    return readRetained(persistenceId, from, to, max, Long.MAX_VALUE);
  }

  /** {@link #readRetained(String, long, long, long)} with a byte bound as {@link #read(String, long, long, long, long)}. */
  public List<StoredRecord> readRetained(String persistenceId, long from, long to, long max, long maxBytes)
      throws IOException {
    return retained(persistenceId, from, start -> read(persistenceId, start, to, max, maxBytes));
  }

  /**
   * A read of the events of {@code persistenceId} in [from, to] that carry one of {@code filter}'s
   * tags, which reads from the CommitLog only the entries whose tag hash in the ConsumeQueue
   * matches; the others come back as {@link FilteredRead.Skipped} runs of sequence numbers. It
   * examines at most {@code maxEntries} entries and stops after {@code maxRecords} records. Holes
   * and deleted events are skipped, and what retention removed too, as by {@link #readRetained}.
   *
   * @throws CorruptedRecordException if a record read fails its CRC (records not read are not
   *     verified)
   */
  public FilteredRead readFiltered(
      String persistenceId, long from, long to, FilterTags filter, int maxRecords, int maxEntries)
      throws IOException {
    return readFiltered(persistenceId, from, to, filter, maxRecords, maxEntries, Long.MAX_VALUE);
  }

  /** {@link #readFiltered(String, long, long, FilterTags, int, int)}, stopping also after the record that reaches {@code maxBytes}. */
  public FilteredRead readFiltered(
      String persistenceId, long from, long to, FilterTags filter, int maxRecords, int maxEntries, long maxBytes)
      throws IOException {
    ConsumeQueue cq = queues.get(persistenceId);
    if (cq == null) {
      return new FilteredRead(List.of(), Math.max(1, from));
    }
    return retained(persistenceId, from,
        start -> FilteredScan.scan(reader, cq, start, to, filter, maxRecords, maxEntries, maxBytes));
  }

  /**
   * The accepted tags of a {@link #readFiltered}.
   *
   * @throws IllegalArgumentException if a tag does not start with the filter-tag prefix
   */
  public FilterTags filterTags(Set<String> tags) {
    return new FilterTags(settings.filterTagPrefix(), tags);
  }

  @FunctionalInterface
  private interface ReadFrom<T> {
    T read(long start) throws IOException;
  }

  /** Runs {@code read} from {@code from}, or from the lowest event retention left if that is higher. */
  private <T> T retained(String persistenceId, long from, ReadFrom<T> read) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return read.read(Math.max(from, lowestSequenceNr(persistenceId)));
      } catch (SequenceOutOfRangeException e) {
        // Retention ran between finding the lowest and reading: look again, a few times at most.
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  /** A future completed once {@code persistenceId} has events above {@code afterSequenceNr}. */
  public CompletableFuture<Void> awaitAppend(String persistenceId, long afterSequenceNr) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("store is closed"));
    }
    return notifier.await(persistenceId, afterSequenceNr, () -> highestSequenceNr(persistenceId));
  }

  /**
   * The commit position and in-sync set of this store's replication. Without replicas the commit
   * position is the confirmed position.
   */
  public CommitTracker commits() {
    return commits;
  }

  /**
   * A future completed once the log end is past {@code position} (a record at {@code position} can
   * be read), for a replica's long-poll; failed when the store closes. It completes on the writer
   * thread: continue asynchronously.
   */
  public CompletableFuture<Void> awaitConfirmed(long position) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("store is closed"));
    }
    return notifier.awaitEnd(position + 1, commitLog::confirmedPosition);
  }

  /**
   * The position below which queries and lookups see records: with {@code sync} replication the
   * commit position (what a failover cannot remove), otherwise the confirmed position. Journal
   * replays read every local record regardless.
   */
  public long readLimit() {
    return settings.replication().isSync() ? commits.commitPosition() : commitLog.confirmedPosition();
  }

  /**
   * The highest sequence nr of {@code persistenceId} that queries may read up to: {@link
   * #highestSequenceNr} unless replication is {@code sync}, then that of its last stored event below
   * {@link #readLimit} (or the sequence nr before its first readable event when none is). Costs one
   * ConsumeQueue entry per event above the limit.
   */
  public long visibleHighestSequenceNr(String persistenceId) {
    ConsumeQueue cq = queues.get(persistenceId);
    if (cq == null) {
      return 0;
    }
    long highest = cq.highestSequenceNr();
    if (!settings.replication().isSync()) {
      return highest;
    }
    long limit = commits.commitPosition();
    long floor = Math.max(cq.deletedTo(), cq.lowestRetainedSequenceNr() - 1);
    for (long s = highest; s > floor; s--) {
      // holes and removed entries (size <= 0) have no position
      if (cq.size(s) > 0 && cq.position(s) < limit) {
        return s;
      }
    }
    return Math.min(floor, highest);
  }

  /**
   * A future completed when a query of {@code persistenceId} that has read up to {@code
   * afterSequenceNr} may find more ({@link #visibleHighestSequenceNr} may have grown): on an append
   * without {@code sync} replication; with it, once the commit position passes the id's next stored
   * event, or on an append if there is none yet. Failed when the store closes.
   */
  public CompletableFuture<Void> awaitVisible(String persistenceId, long afterSequenceNr) {
    ConsumeQueue cq = queues.get(persistenceId);
    if (!settings.replication().isSync() || cq == null) {
      return awaitAppend(persistenceId, afterSequenceNr);
    }
    long highest = cq.highestSequenceNr();
    for (long s = Math.max(afterSequenceNr, cq.deletedTo()) + 1; s <= highest; s++) {
      int size = cq.size(s);
      if (size > 0) {
        return commits.awaitCommit(cq.position(s) + size);
      }
    }
    return awaitAppend(persistenceId, Math.max(afterSequenceNr, highest));
  }

  public Set<String> persistenceIds() {
    return queues.persistenceIds();
  }

  /** Records carrying key tag {@code key} (without its prefix) stored in [fromMs, toMs], newest first. */
  public List<StoredRecord> lookupByKey(String key, long fromMs, long toMs, int max) throws IOException {
    return lookup(settings.keyTagPrefix() + key, fromMs, toMs, max);
  }

  /** Records carrying message-id tag {@code messageId} (without its prefix), newest first. */
  public List<StoredRecord> lookupByMessageId(String messageId, int max) throws IOException {
    return lookup(settings.messageIdTagPrefix() + messageId, 0, Long.MAX_VALUE, max);
  }

  /**
   * Records stored in [fromMs, toMs] that carry a key or message-id tag (only those are in the
   * Index), in log order.
   */
  public List<StoredRecord> lookupByTime(long fromMs, long toMs, int max) throws IOException {
    List<StoredRecord> out = new ArrayList<>();
    RecordCodec codec = new RecordCodec();
    long limit = readLimit();
    for (long position : index.range(fromMs, toMs, max)) {
      StoredRecord record = readIndexed(codec, position, limit);
      if (record != null && record.timestamp() >= fromMs && record.timestamp() <= toMs) {
        out.add(record);
      }
    }
    return out;
  }

  private List<StoredRecord> lookup(String tag, long fromMs, long toMs, int max) throws IOException {
    List<StoredRecord> out = new ArrayList<>();
    RecordCodec codec = new RecordCodec();
    long limit = readLimit();
    for (long position : index.lookup(tag, fromMs, toMs, max)) {
      StoredRecord record = readIndexed(codec, position, limit);
      if (record != null && record.tags().contains(tag)) {
        out.add(record);
      }
    }
    return out;
  }

  /** The record an Index entry points at, or null if retention removed it or it is at or past {@code limit}. */
  private StoredRecord readIndexed(RecordCodec codec, long position, long limit) throws IOException {
    if (position < commitLog.minPosition() || position >= limit) {
      return null;
    }
    try {
      ByteBuffer preamble = ByteBuffer.allocate(RecordCodec.PREAMBLE_SIZE);
      commitLog.read(preamble, position);
      return reader.readAt(codec, position, RecordCodec.sizeAt(preamble, 0));
    } catch (PositionRemovedException removed) {
      return null;
    }
  }

  /** Position after the last confirmed byte of the CommitLog. */
  public long confirmedPosition() {
    return commitLog.confirmedPosition();
  }

  /** Lowest position still held (retention moves it up). */
  public long minPosition() {
    return commitLog.minPosition();
  }

  /**
   * Replication: confirmed CommitLog bytes from {@code position} (a record boundary), whole records
   * only, within one segment, about {@code maxBytes} (one larger record is returned whole).
   *
   * @throws PositionRemovedException if retention removed {@code position}
   */
  public RawChunk readRaw(long position, int maxBytes) throws IOException {
    long confirmed = commitLog.confirmedPosition();
    if (position >= confirmed) {
      return new RawChunk(position, EMPTY, position);
    }
    Segment segment = commitLog.segmentAt(position);
    if (segment == null) {
      throw new PositionRemovedException(position, commitLog.minPosition());
    }
    long room = segment.endPosition() - position;
    if (room < RecordCodec.PREAMBLE_SIZE) {
      return new RawChunk(position, EMPTY, segment.endPosition());
    }
    int want = (int) Math.max(RecordCodec.PREAMBLE_SIZE, Math.min(maxBytes, Math.min(confirmed - position, room)));
    ByteBuffer buf = ByteBuffer.allocate(want);
    int read = segment.read(buf, position);
    int at = 0;
    while (at + RecordCodec.PREAMBLE_SIZE <= read) {
      int size = RecordCodec.sizeAt(buf, at);
      int magic = RecordCodec.magicAt(buf, at);
      if (magic == RecordCodec.END_MAGIC && size == room - at) {
        buf.limit(at + RecordCodec.PREAMBLE_SIZE).position(0);
        return new RawChunk(position, buf.asReadOnlyBuffer(), segment.endPosition());
      }
      if (magic != RecordCodec.RECORD_MAGIC || size < RecordCodec.PREAMBLE_SIZE) {
        throw new CorruptedRecordException(segment.file(), position + at, "no record header");
      }
      if (at + size > read) {
        if (at == 0) {
          return readRaw(position, size);
        }
        break;
      }
      if (at > 0 && (RecordCodec.flagsAt(buf, at) & RecordCodec.FLAG_EPOCH_START) != 0) {
        break; // a chunk never spans two epochs: the next one starts with this EpochStart
      }
      at += size;
    }
    buf.limit(at).position(0);
    return new RawChunk(position, buf.asReadOnlyBuffer(), position + at);
  }

  /**
   * Replication: writes records read from another store's {@link #readRaw} at the same position,
   * after verifying each; indexes them like appends. The future yields this log's new end, or
   * fails if the chunk does not continue this log.
   */
  public CompletableFuture<Long> appendRaw(long position, ByteBuffer records) {
    CompletableFuture<Long> done = new CompletableFuture<>();
    writer.submit(new WriteRequest.RawAppend(position, records, done));
    return done;
  }

  /**
   * Begins {@code epoch} as this store's master: appends an EpochStart record (forced, whatever the
   * flush mode) and records {@code (epoch, position)} in the {@code epochs} file before the future
   * yields the record's position. Replicas learn it when the record reaches them through {@link
   * #appendRaw}.
   *
   * <p>Fails with {@link IllegalArgumentException} if {@code epoch} is not above the last epoch,
   * and with {@link NotMasterException} on a replica.
   */
  public CompletableFuture<Long> startEpoch(long epoch) {
    CompletableFuture<Long> done = new CompletableFuture<>();
    writer.submit(new WriteRequest.EpochStart(epoch, done));
    return done;
  }

  /** The epochs this log holds, ascending; it survives retention of their EpochStart records. */
  public EpochHistory epochs() {
    return epochs.history();
  }

  /**
   * Cuts the records at and after {@code position}, a record boundary, such as those a deposed
   * master wrote that its successor never had. They are first copied to {@code
   * divergent/<last epoch>-<position>.log} (forced) for operators. ConsumeQueue and Index entries
   * pointing there go, highest sequence nrs and deletion watermarks drop to what the remaining log
   * says, and epochs starting there are forgotten; a checkpoint is written, so a reopen sees the
   * truncated store. Writes queued before it are written first (and cut if past the position).
   * Yields the new end.
   *
   * <p>Fails with {@link IllegalArgumentException} (nothing changed) if {@code position} is not a
   * record boundary, is below {@link #minPosition} or past the end.
   */
  public CompletableFuture<Long> truncateTo(long position) {
    CompletableFuture<Long> done = new CompletableFuture<>();
    writer.submit(new WriteRequest.TruncateTo(position, done));
    return done;
  }

  /**
   * Empties the store, which continues at {@code position} ({@code minPosition() ==
   * confirmedPosition() == position}): for a replica whose master's retention removed records it
   * lacks, before it copies from the master's {@link #minPosition}. The epoch history is emptied
   * too; the replica learns the epochs whose EpochStart records it copies. Survives a reopen.
   *
   * <p>Fails with {@link IllegalArgumentException} (nothing changed) if {@code position} is not a
   * multiple of the segment size (a master's oldest position always is, with the same segment
   * size, which a byte-identical replica needs anyway).
   */
  public CompletableFuture<Void> resetTo(long position) {
    return resetTo(position, 0);
  }

  /**
   * {@link #resetTo(long)}, with {@code epoch} (above 0) as the history's one entry {@code (epoch,
   * position)}: the master's epoch in force at {@code position} ({@code
   * master.epochs().epochAt(position)}), so that the replica knows the epoch of the records it
   * copies before the next EpochStart arrives (to find a divergence or compare candidates).
   */
  public CompletableFuture<Void> resetTo(long position, long epoch) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    writer.submit(new WriteRequest.ResetTo(position, epoch, done));
    return done;
  }

  /**
   * Sets what this store does in its group (default {@link StoreRole#MASTER}). A replica refuses
   * appends, deletions and EpochStart records with {@link NotMasterException} (also those queued
   * before the change and not yet written), and its retention writes nothing and deletes only
   * below {@link #retainBelow}.
   */
  public void setRole(StoreRole role) {
    writer.setRole(role);
  }

  public StoreRole role() {
    return writer.role();
  }

  /**
   * A replica's retention floor: segments wholly below {@code masterMinPosition} (the master's
   * {@link #minPosition}) may go. Call it only once this log has reached the master's end as of
   * when its oldest position was read: a master carries live events forward to its head before it
   * deletes a segment, so those copies must be here before the originals go. Never moves down.
   */
  public void retainBelow(long masterMinPosition) {
    synchronized (cutLock) {
      replicaFloor = Math.max(replicaFloor, masterMinPosition);
    }
  }

  /** Forces the CommitLog up to the confirmed position (async flush does this periodically). */
  public void flush() throws IOException {
    commitLog.force(commitLog.confirmedPosition());
  }

  /**
   * Forces ConsumeQueues, Index and CommitLog, then records the position below which recovery need
   * not look (done periodically).
   */
  public synchronized void checkpoint() throws IOException {
    long position = commitLog.confirmedPosition();
    for (ConsumeQueue cq : queues.all()) {
      cq.force();
    }
    index.force();
    commitLog.force(position);
    new Checkpoint(position, queues.count(), clock.millis()).write(settings.checkpointFile());
  }

  /** Deletes segments past retention time or above the disk-usage ratio (done periodically). */
  public void runRetention() throws IOException {
    retention.run();
  }

  /** The cuts of the log, run by the writer with checkpoints and retention's deletions held off. */
  private final class Cuts implements GroupCommitWriter.LogCuts {
    @Override
    public long truncateTo(long position) throws IOException {
      synchronized (MessageStore.this) {
        synchronized (cutLock) {
          long end = truncation.truncateTo(position);
          checkpoint();
          return end;
        }
      }
    }

    @Override
    public void resetTo(long position, long epoch) throws IOException {
      synchronized (MessageStore.this) {
        synchronized (cutLock) {
          truncation.resetTo(position, epoch);
          checkpoint();
        }
      }
    }
  }

  /** Finishes queued writes, forces everything, writes a checkpoint and closes the files. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      writer.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // shutdown, not shutdownNow: interrupting a running force would close the segment's channel.
    flusher.shutdown();
    try {
      flusher.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    checkpoint();
    new CleanStop(settings.cleanStopFile()).mark();
    notifier.failAll(new IllegalStateException("store is closed"));
    commits.failAll(new IllegalStateException("store is closed"));
    commitLog.close();
    lock.close();
    log.info("Store closed in {} at position {}", settings.dir(), commitLog.confirmedPosition());
  }
}
