package io.sluice.it;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * {@code main} of the process {@link NetnsNetworkTest} runs inside a node namespace: binds a UDP
 * socket on the given address (port 0), prints {@code PORT <n>}, then prints every datagram it
 * receives on a line of its own, until killed.
 */
public final class UdpProbe {
  private UdpProbe() {}

  public static void main(String[] args) throws IOException {
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(args[0]), 0))) {
      System.out.println("PORT " + socket.getLocalPort());
      System.out.flush();
      byte[] buffer = new byte[512];
      while (true) {
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        socket.receive(packet);
        System.out.println(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8));
        System.out.flush();
      }
    }
  }
}
