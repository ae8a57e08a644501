package io.sluice.persistence.snapshot.internal;

import java.util.Optional;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.Serialization$;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.util.ByteString;
import scala.Option;

/**
 * Converts between a snapshot with its metadata and {@link SnapshotContent} with Pekko
 * serialization, the same way for every snapshot store of this module.
 *
 * <p>Thread-safety: any thread.
 */
public final class SnapshotSerde {
  private final ExtendedActorSystem system;
  private final Serialization serialization;

  public SnapshotSerde(ExtendedActorSystem system) {
    this.system = system;
    this.serialization = SerializationExtension.get(system);
  }

  public SnapshotContent toContent(SnapshotMetadata metadata, Object snapshot) {
    Optional<SerializedPayload> extra =
        metadata.metadata().isDefined()
            ? Optional.of(serialize(metadata.metadata().get()))
            : Optional.empty();
    return new SnapshotContent(
        metadata.persistenceId(),
        metadata.sequenceNr(),
        metadata.timestamp(),
        serialize(snapshot),
        extra);
  }

  /** Deserializes the snapshot and its metadata; fails if a serializer fails. */
  public SelectedSnapshot toSelected(SnapshotContent content) {
    Object snapshot = deserialize(content.snapshot());
    Option<Object> extra =
        content.metadata().isPresent()
            ? Option.apply(deserialize(content.metadata().get()))
            : Option.empty();
    return SelectedSnapshot.create(
        new SnapshotMetadata(
            content.persistenceId(), content.sequenceNr(), content.timestamp(), extra),
        snapshot);
  }

  private SerializedPayload serialize(Object value) {
    // transport information lets serializers write actor refs with this system's address
    return Serialization$.MODULE$.withTransportInformation(
        system,
        () -> {
          Serializer serializer = serialization.findSerializerFor(value);
          return new SerializedPayload(
              serializer.identifier(),
              Serializers.manifestFor(serializer, value),
              ByteString.fromArrayUnsafe(serializer.toBinary(value)));
        });
  }

  private Object deserialize(SerializedPayload payload) {
    return serialization
        .deserialize(payload.bytes().toArrayUnsafe(), payload.serializerId(), payload.manifest())
        .get();
  }
}
