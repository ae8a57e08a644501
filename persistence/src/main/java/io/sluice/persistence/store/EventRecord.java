package io.sluice.persistence.store;

import java.util.List;
import java.util.Objects;

/**
 * One event to append: what the journal hands the store after serialization.
 *
 * <p>Not a record because it carries a {@code byte[]}: the store takes ownership of the payload
 * array and never copies it, so callers must not modify it after handing it over.
 */
public final class EventRecord {
  private final String persistenceId;
  private final long sequenceNr;
  private final String writerUuid;
  private final List<String> tags;
  private final int serializerId;
  private final String manifest;
  private final String adapterManifest;
  private final byte[] payload;

  public EventRecord(
      String persistenceId,
      long sequenceNr,
      String writerUuid,
      List<String> tags,
      int serializerId,
      String manifest,
      String adapterManifest,
      byte[] payload) {
    this.persistenceId = Objects.requireNonNull(persistenceId, "persistenceId");
    if (sequenceNr < 1) {
      throw new IllegalArgumentException("sequenceNr must be >= 1, was " + sequenceNr);
    }
    this.sequenceNr = sequenceNr;
    this.writerUuid = writerUuid == null ? "" : writerUuid;
    this.tags = List.copyOf(tags);
    this.serializerId = serializerId;
    this.manifest = manifest == null ? "" : manifest;
    this.adapterManifest = adapterManifest == null ? "" : adapterManifest;
    this.payload = Objects.requireNonNull(payload, "payload");
  }

  public String persistenceId() {
    return persistenceId;
  }

  public long sequenceNr() {
    return sequenceNr;
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

  /** Pekko's event adapter manifest ({@code PersistentRepr.manifest}), empty if none. */
  public String adapterManifest() {
    return adapterManifest;
  }

  /** The serialized event; owned by the store once appended, never modify it. */
  public byte[] payload() {
    return payload;
  }
}
