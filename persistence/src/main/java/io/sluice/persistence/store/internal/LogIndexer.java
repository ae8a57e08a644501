package io.sluice.persistence.store.internal;

import io.sluice.persistence.store.EventRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Turns CommitLog records into ConsumeQueue and Index entries: for fresh appends (fields at
 * hand) and for verified bytes (recovery and replication).
 *
 * <p>Thread-safety: used by one thread at a time (the writer, or recovery before it starts).
 */
public final class LogIndexer {
  private final ConsumeQueues queues;
  private final MessageIndex index;
  private final String keyPrefix;
  private final String messageIdPrefix;
  private final String filterPrefix;
  private final EpochFile epochs;

  public LogIndexer(ConsumeQueues queues, MessageIndex index, EpochFile epochs, String filterPrefix, String keyPrefix,
      String messageIdPrefix) {
    this.queues = queues;
    this.index = index;
    this.epochs = epochs;
    this.filterPrefix = filterPrefix;
    this.keyPrefix = keyPrefix;
    this.messageIdPrefix = messageIdPrefix;
  }

  /** Hash of the first filter tag, 0 if none. */
  public long tagHashOf(List<String> tags) {
    String tag = firstWithPrefix(tags, filterPrefix);
    return tag == null ? 0L : RecordCodec.tagHash(tag, filterPrefix.length());
  }

  /** The first of {@code tags} that starts with {@code prefix}, or null: the one tag that is hashed. */
  public static String firstWithPrefix(List<String> tags, String prefix) {
    for (int i = 0; i < tags.size(); i++) {
      if (tags.get(i).startsWith(prefix)) {
        return tags.get(i);
      }
    }
    return null;
  }

  /** Writer: indexes an event just written at {@code position}. */
  public void indexAppended(
      ConsumeQueue cq, EventRecord e, long position, int size, long tagHash, long timestamp)
      throws IOException {
    cq.put(e.sequenceNr(), position, size, tagHash, true);
    indexTags(e.tags(), position, timestamp);
  }

  /**
   * Indexes a CRC-verified record held in {@code buf} at {@code at}; an EpochStart record goes to
   * the epoch history instead.
   *
   * @param consumeQueue whether to (re)write its ConsumeQueue entry
   * @param indexKeys whether to add its Index entries
   * @param logStartsAtZero whether the log still holds its first segment: only then are sequence
   *     numbers missing before an id's first record holes rather than removed history
   */
  public void indexVerified(
      ByteBuffer buf, int at, long position, boolean consumeQueue, boolean indexKeys, boolean logStartsAtZero)
      throws IOException {
    long sequenceNr = RecordCodec.sequenceNrAt(buf, at);
    if ((RecordCodec.flagsAt(buf, at) & RecordCodec.FLAG_EPOCH_START) != 0) {
      epochs.observe(sequenceNr, position);
      return;
    }
    String persistenceId = RecordCodec.persistenceIdAt(buf, at);
    if ((RecordCodec.flagsAt(buf, at) & RecordCodec.FLAG_DELETION_MARKER) != 0) {
      if (consumeQueue) {
        ConsumeQueue cq = queues.get(persistenceId);
        if (cq != null) {
          cq.markDeletedTo(sequenceNr);
        }
      }
      return;
    }
    if (consumeQueue) {
      ConsumeQueue cq = queues.getOrCreate(persistenceId);
      int size = RecordCodec.sizeAt(buf, at);
      long tagHash = RecordCodec.tagHashAt(buf, at);
      if (sequenceNr > cq.highestSequenceNr()) {
        cq.put(sequenceNr, position, size, tagHash, cq.highestSequenceNr() > 0 || logStartsAtZero);
      } else {
        cq.redo(sequenceNr, position, size, tagHash);
      }
    }
    if (indexKeys) {
      indexTags(RecordCodec.tagsAt(buf, at), position, RecordCodec.timestampAt(buf, at));
    }
  }

  /**
   * Writer: a live event copied from {@code from} to {@code position} by retention; its entry
   * moves only if it still points at the old copy.
   */
  public void indexRelocated(
      ConsumeQueue cq, EventRecord e, long from, long position, int size, long tagHash, long timestamp)
      throws IOException {
    if (cq.position(e.sequenceNr()) == from) {
      cq.redo(e.sequenceNr(), position, size, tagHash);
      indexTags(e.tags(), position, timestamp);
    }
  }

  /** Writer: forgets the ConsumeQueue and Index entries of a failed batch that started at {@code batchStart}. */
  public void rollbackFrom(long batchStart) throws IOException {
    for (ConsumeQueue cq : queues.all()) {
      cq.rollback(batchStart);
    }
    index.truncateFrom(batchStart);
  }

  private void indexTags(List<String> tags, long position, long timestamp) throws IOException {
    for (int i = 0; i < tags.size(); i++) {
      String tag = tags.get(i);
      if (tag.startsWith(keyPrefix) || tag.startsWith(messageIdPrefix)) {
        index.add(tag, position, timestamp);
      }
    }
  }
}
