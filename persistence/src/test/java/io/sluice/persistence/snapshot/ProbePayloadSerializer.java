package io.sluice.persistence.snapshot;

import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/** Writes a {@link ProbePayload} as its actor path; bound to it in {@link SnapshotTestConfig}. */
public final class ProbePayloadSerializer extends SerializerWithStringManifest {
  private final ExtendedActorSystem system;

  public ProbePayloadSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return 7_340_001;
  }

  @Override
  public String manifest(Object o) {
    return "P";
  }

  @Override
  public byte[] toBinary(Object o) {
    return Serialization.serializedActorPath(((ProbePayload) o).ref())
        .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) {
    return new ProbePayload(
        system.provider().resolveActorRef(new String(bytes, StandardCharsets.UTF_8)));
  }
}
