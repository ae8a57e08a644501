package io.sluice.persistence.store;

import java.util.List;

/**
 * One event read back from the CommitLog, after its CRC was verified.
 *
 * <p>Not a record because it carries a {@code byte[]}; the payload array is a fresh copy owned by
 * the caller.
 */
public final class StoredRecord {
  private final long position;
  private final String persistenceId;
  private final long sequenceNr;
  private final long timestamp;
  private final String writerUuid;
  private final List<String> tags;
  private final int serializerId;
  private final String manifest;
  private final String adapterManifest;
  private final byte[] payload;

  public StoredRecord(
      long position,
      String persistenceId,
      long sequenceNr,
      long timestamp,
      String writerUuid,
      List<String> tags,
      int serializerId,
      String manifest,
      String adapterManifest,
      byte[] payload) {
    this.position = position;
    this.persistenceId = persistenceId;
    this.sequenceNr = sequenceNr;
    this.timestamp = timestamp;
    this.writerUuid = writerUuid;
    this.tags = List.copyOf(tags);
    this.serializerId = serializerId;
    this.manifest = manifest;
    this.adapterManifest = adapterManifest;
    this.payload = payload;
  }

  /** Physical position of the record in the CommitLog. */
  public long position() {
    return position;
  }

  public String persistenceId() {
    return persistenceId;
  }

  public long sequenceNr() {
    return sequenceNr;
  }

  /** Store time in epoch milliseconds, assigned by the writer; non-decreasing in log order. */
  public long timestamp() {
    return timestamp;
  }

  public String writerUuid() {
    return writerUuid;
  }

  public List<String> tags() {
    return tags;
  }

  public int serializerId() {
    return serializerId;
  }

  /** The serializer's manifest. */
  public String manifest() {
    return manifest;
  }

  /** Pekko's event adapter manifest, empty if none. */
  public String adapterManifest() {
    return adapterManifest;
  }

  public byte[] payload() {
    return payload;
  }

  @Override
  public String toString() {
    return "StoredRecord[" + persistenceId + "#" + sequenceNr + " @" + position + "]";
  }
}
