package io.sluice.gateway.cluster;

import io.sluice.gateway.BrokerException;
import io.sluice.gateway.Names;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The broker group whose data a node's data directory holds ({@code sluice.cluster.broker-group}).
 * The first start stores the group in {@code <data-dir>/broker-group}: the configured name, or a
 * generated one when none is configured. Every later start reuses the stored name; a configured
 * name that differs is refused, since the data (queues, offsets, consumer groups) belongs to the
 * stored group and serving it under another name would present other nodes' queues as empty here.
 */
public final class BrokerGroupIdentity {
  public static final String FILE_NAME = "broker-group";
  private static final SecureRandom RANDOM = new SecureRandom();

  private BrokerGroupIdentity() {}

  /**
   * The node's broker group, stored in {@code dataDir} on the first start.
   *
   * @param configured the configured name; empty to take the stored one (or generate one)
   * @throws IllegalArgumentException if {@code configured} is not a valid name
   * @throws IllegalStateException if {@code configured} differs from the stored group
   */
  public static String resolve(String configured, Path dataDir) throws IOException {
    if (!configured.isEmpty()) {
      checkName(configured, "sluice.cluster.broker-group");
    }
    Path file = dataDir.resolve(FILE_NAME);
    if (Files.exists(file)) {
      String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
      checkName(stored, file.toString());
      if (!configured.isEmpty() && !configured.equals(stored)) {
        throw new IllegalStateException("sluice.cluster.broker-group is '" + configured + "' but data directory "
            + dataDir + " holds the data of broker group '" + stored + "' (" + file + "): a data directory belongs"
            + " to the group it was first started with; configure '" + stored + "' or leave the setting empty");
      }
      return stored;
    }
    String group = configured.isEmpty() ? generated() : configured;
    Files.createDirectories(dataDir);
    Path partial = dataDir.resolve(FILE_NAME + ".tmp");
    Files.writeString(partial, group + "\n", StandardCharsets.UTF_8);
    Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return group;
  }

  /** {@code broker-} and 8 random hex digits. */
  static String generated() {
    byte[] bytes = new byte[4];
    RANDOM.nextBytes(bytes);
    return "broker-" + HexFormat.of().formatHex(bytes);
  }

  private static void checkName(String name, String source) {
    try {
      Names.check("broker group", name);
    } catch (BrokerException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage());
    }
  }
}
