package io.sluice.persistence.journal;

import io.sluice.persistence.store.EventRecord;
import io.sluice.persistence.store.StoredRecord;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.Tagged;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Converts between Pekko's {@link PersistentRepr} and the store's records with Pekko
 * serialization; tags (from {@link Tagged}) become the record's tags.
 *
 * <p>Thread-safety: any thread.
 */
public final class EventSerde {
  private final Serialization serialization;

  public EventSerde(ActorSystem system) {
    this.serialization = SerializationExtension.get(system);
  }

  /** Serializes one event; fails if the payload cannot be serialized. */
  public EventRecord toRecord(PersistentRepr repr) throws Exception {
    Object payload = repr.payload();
    List<String> tags = List.of();
    if (payload instanceof Tagged tagged) {
      tags = new ArrayList<>(CollectionConverters.asJava(tagged.tags()));
      payload = tagged.payload();
    }
    Object event = payload;
    Serializer serializer = serialization.findSerializerFor(event);
    byte[] bytes = serialization.serialize(event).get();
    return new EventRecord(
        repr.persistenceId(),
        repr.sequenceNr(),
        repr.writerUuid(),
        tags,
        serializer.identifier(),
        Serializers.manifestFor(serializer, event),
        repr.manifest(),
        bytes);
  }

  /** Deserializes the event of a stored record. */
  public Object event(StoredRecord record) {
    return serialization.deserialize(record.payload(), record.serializerId(), record.manifest()).get();
  }

  public PersistentRepr toRepr(StoredRecord record) {
    return PersistentRepr.apply(
            event(record),
            record.sequenceNr(),
            record.persistenceId(),
            record.adapterManifest(),
            false,
            ActorRef.noSender(),
            record.writerUuid())
        .withTimestamp(record.timestamp());
  }
}
