package io.sluice.actors.registry;

import com.typesafe.config.Config;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.cluster.ddata.DurableStore;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.Serializers;

/**
 * Distributed Data's durable store for the registries' keys: one file per key in
 * {@code sluice-store.dir} (under {@code pekko.cluster.distributed-data.durable}), rewritten whole
 * on every change (written to a temporary file, forced to disk, then renamed over the old one), so
 * a crash leaves either the old or the new value. Used instead of Pekko's LMDB store because
 * lmdbjava needs {@code --add-opens java.base/java.nio=ALL-UNNAMED} on Java 17 and crashes the
 * JVM without it; the registries hold two small keys, so a file each is enough.
 *
 * <p>Format of a file: the serializer's manifest (modified UTF-8), then the serialized
 * {@code DurableDataEnvelope} to the end of the file.
 */
public final class FileDurableStore extends AbstractActor {
  private static final String SUFFIX = ".ddata";

  private final Path dir;
  private SerializerWithStringManifest serializer;

  public FileDurableStore(Config durable) {
    this.dir = Path.of(durable.getString("sluice-store.dir"));
  }

  @Override
  public void preStart() throws Exception {
    serializer = (SerializerWithStringManifest) SerializationExtension.get(getContext().getSystem())
        .serializerFor(DurableStore.DurableDataEnvelope.class);
  }

  @Override
  public Receive createReceive() {
    return receiveBuilder()
        .matchEquals(DurableStore.LoadAll$.MODULE$, m -> loadAll())
        .match(DurableStore.Store.class, this::store)
        .build();
  }

  private void loadAll() {
    Map<String, DurableStore.DurableDataEnvelope> loaded = new HashMap<>();
    try {
      Files.createDirectories(dir);
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          String name = file.getFileName().toString();
          if (name.endsWith(SUFFIX)) {
            loaded.put(URLDecoder.decode(name.substring(0, name.length() - SUFFIX.length()), StandardCharsets.UTF_8),
                read(file));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new DurableStore.LoadFailed("could not load the durable registry data in " + dir, e);
    }
    if (!loaded.isEmpty()) {
      getSender().tell(new DurableStore.LoadData(scala.collection.immutable.Map$.MODULE$.from(
          scala.jdk.javaapi.CollectionConverters.asScala(loaded))), getSelf());
    }
    getSender().tell(DurableStore.LoadAllCompleted$.MODULE$, getSelf());
  }

  private DurableStore.DurableDataEnvelope read(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      String manifest = in.readUTF();
      return (DurableStore.DurableDataEnvelope) serializer.fromBinary(in.readAllBytes(), manifest);
    }
  }

  private void store(DurableStore.Store store) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeUTF(Serializers.manifestFor(serializer, store.data()));
        out.write(serializer.toBinary(store.data()));
      }
      Path file = dir.resolve(URLEncoder.encode(store.key(), StandardCharsets.UTF_8) + SUFFIX);
      Path temp = dir.resolve(file.getFileName() + ".tmp");
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        channel.write(java.nio.ByteBuffer.wrap(bytes.toByteArray()));
        channel.force(true);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
        directory.force(true);
      }
      if (store.reply().isDefined()) {
        store.reply().get().replyTo().tell(store.reply().get().successMsg(), getSelf());
      }
    } catch (IOException e) {
      getContext().getSystem().log().error(e, "Storing registry key {} in {} failed", store.key(), dir);
      if (store.reply().isDefined()) {
        store.reply().get().replyTo().tell(store.reply().get().failureMsg(), getSelf());
      }
    }
  }
}
