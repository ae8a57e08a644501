package io.sluice.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fault rules of {@link NetnsNetwork} do what they say, checked with UDP datagrams between two
 * node namespaces (a {@link UdpProbe} in each) and the test JVM ({@link NetnsNetwork#CLIENT}), in
 * every direction: nothing blocked, isolate, split, one-way, heal. UDP, since a TCP connection
 * needs both directions and could not show a one-way cut.
 */
@Tag("partitions")
class NetnsNetworkTest {
  static final List<Integer> ENDS = List.of(NetnsNetwork.CLIENT, 1, 2);

  NetnsNetwork network;
  final List<Process> probes = new ArrayList<>();
  DatagramSocket clientSocket;
  /** Each end's datagram port. */
  final Map<Integer, Integer> ports = new TreeMap<>();
  /** Datagrams received, as {@code <round>:<from>><to>}. */
  final Set<String> received = ConcurrentHashMap.newKeySet();
  int round;

  @AfterEach
  void cleanUp() {
    probes.forEach(Process::destroyForcibly);
    if (clientSocket != null) {
      clientSocket.close();
    }
    if (network != null) {
      network.close();
    }
  }

  @Test
  void faultsDropExactlyTheirDirections() throws Exception {
    network = NetnsNetwork.create(2);
    clientSocket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(NetnsNetwork.HOST_ADDRESS), 0));
    ports.put(NetnsNetwork.CLIENT, clientSocket.getLocalPort());
    Thread clientReader = new Thread(() -> {
      byte[] buffer = new byte[512];
      while (!clientSocket.isClosed()) {
        DatagramPacket p = new DatagramPacket(buffer, buffer.length);
        try {
          clientSocket.receive(p);
        } catch (IOException e) {
          return;
        }
        received.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
      }
    }, "client-probe");
    clientReader.setDaemon(true);
    clientReader.start();
    for (int i = 1; i <= 2; i++) {
      startProbe(i);
    }

    assertEquals(allPairs(), reach(allPairs()), "no fault");
    network.isolate(1);
    assertEquals(Set.of("0>2", "2>0"), reach(Set.of("0>2", "2>0")), "n1 isolated");
    network.heal();
    assertEquals(allPairs(), reach(allPairs()), "healed after isolate");
    network.split(Set.of(1), Set.of(2, NetnsNetwork.CLIENT));
    assertEquals(Set.of("0>2", "2>0"), reach(Set.of("0>2", "2>0")), "split {n1} / {n2, client}");
    network.heal();
    network.oneWay(1, 2);
    Set<String> oneWay = new TreeSet<>(allPairs());
    oneWay.remove("2>1");
    assertEquals(oneWay, reach(oneWay), "one-way n1 -> n2");
    assertTrue(network.rules().contains("drop"), network.rules());
    network.heal();
    assertEquals(allPairs(), reach(allPairs()), "healed");
  }

  private void startProbe(int i) throws IOException {
    Process p = new ProcessBuilder("ip", "netns", "exec", NetnsNetwork.namespace(i),
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", Paths.get("target", "test-classes").toAbsolutePath().toString(),
        UdpProbe.class.getName(), NetnsNetwork.nodeAddress(i)).redirectErrorStream(true).start();
    probes.add(p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String first = out.readLine();
    assertTrue(first != null && first.startsWith("PORT "), "probe in n" + i + " said " + first);
    ports.put(i, Integer.parseInt(first.substring(5)));
    Thread reader = new Thread(() -> {
      try {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          received.add(line);
        }
      } catch (IOException e) {
        // the probe was killed
      }
    }, "probe-n" + i);
    reader.setDaemon(true);
    reader.start();
  }

  private static Set<String> allPairs() {
    Set<String> pairs = new TreeSet<>();
    for (int a : ENDS) {
      for (int b : ENDS) {
        if (a != b) {
          pairs.add(a + ">" + b);
        }
      }
    }
    return pairs;
  }

  /**
   * Sends a datagram in every direction, waits until the {@code expected} ones arrived, then sends
   * a second wave along the expected directions and waits for it too: a first-wave datagram of a
   * blocked direction, sent earlier through the same bridge, would have arrived by then.
   *
   * @return the directions whose first-wave datagram arrived ({@code from>to})
   */
  private Set<String> reach(Set<String> expected) throws Exception {
    int first = ++round;
    for (String pair : allPairs()) {
      send(first, pair);
    }
    awaitArrived(first, expected);
    int second = ++round;
    for (String pair : expected) {
      send(second, pair);
    }
    awaitArrived(second, expected);
    Set<String> arrived = new TreeSet<>();
    for (String pair : allPairs()) {
      if (received.contains(first + ":" + pair)) {
        arrived.add(pair);
      }
    }
    return arrived;
  }

  private void awaitArrived(int r, Set<String> pairs) {
    Await.until("datagrams of round " + r + " arrived: " + pairs, Duration.ofSeconds(20),
        () -> pairs.stream().allMatch(p -> received.contains(r + ":" + p)),
        () -> "received " + new TreeSet<>(received) + "; rules " + network.rules());
  }

  private void send(int r, String pair) throws IOException {
    int from = Integer.parseInt(pair.substring(0, pair.indexOf('>')));
    int to = Integer.parseInt(pair.substring(pair.indexOf('>') + 1));
    String payload = r + ":" + pair;
    String address = to == NetnsNetwork.CLIENT ? NetnsNetwork.HOST_ADDRESS : NetnsNetwork.nodeAddress(to);
    if (from == NetnsNetwork.CLIENT) {
      byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
      clientSocket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getByName(address), ports.get(to)));
    } else {
      NetnsNetwork.run("ip", "netns", "exec", NetnsNetwork.namespace(from), "bash", "-c",
          "printf %s '" + payload + "' > /dev/udp/" + address + "/" + ports.get(to));
    }
  }
}
