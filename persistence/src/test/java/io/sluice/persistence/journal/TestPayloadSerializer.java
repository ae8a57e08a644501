package io.sluice.persistence.journal;

import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.Serialization$;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The TCK's {@code TestSerializer}: writes a {@link TestPayload} as its actor path and fails unless
 * the caller set Pekko's transport information, as a journal must when it serializes.
 */
public final class TestPayloadSerializer extends SerializerWithStringManifest {
  private static final String MANIFEST = "A";

  private final ExtendedActorSystem system;

  public TestPayloadSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return 7_340_101;
  }

  @Override
  public String manifest(Object o) {
    return MANIFEST;
  }

  @Override
  public byte[] toBinary(Object o) {
    verifyTransportInfo();
    return Serialization.serializedActorPath(((TestPayload) o).ref())
        .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    verifyTransportInfo();
    if (!MANIFEST.equals(manifest)) {
      throw new NotSerializableException("unknown manifest " + manifest);
    }
    return new TestPayload(
        system.provider().resolveActorRef(new String(bytes, StandardCharsets.UTF_8)));
  }

  private void verifyTransportInfo() {
    Serialization.Information info = Serialization$.MODULE$.currentTransportInformation().value();
    if (info == null) {
      throw new IllegalStateException("currentTransportInformation was not set");
    }
    if (info.system() != system) {
      throw new IllegalStateException(
          "wrong system in currentTransportInformation: " + info.system());
    }
    if (!info.address().equals(system.provider().getDefaultAddress())) {
      throw new IllegalStateException(
          "wrong address in currentTransportInformation: " + info.address());
    }
  }
}
