package io.sluice.actors.serialization;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.actors.consume.GroupQueue;
import io.sluice.actors.delay.DelayTimer;
import io.sluice.actors.queue.Queue;
import io.sluice.actors.replication.Replication;
import io.sluice.actors.transaction.QueueTransactions;
import io.sluice.protocol.internal.ClusterProto;
import io.sluice.protocol.internal.ReplicationProto;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.Serializers;

/**
 * Serializes the hot commands and replies that cross nodes (appends, pulls and their answers, the
 * consumer-group envelope, delay and transaction hand-offs) as the protobuf messages of {@code
 * sluice/internal/v1/cluster.proto}, which embed the protocol's {@code Message}: a message crosses
 * as the bytes a client sent, with no reflection per message. Reply-to refs travel as {@link
 * ActorRefResolver} strings. Thread-safe, as Pekko requires.
 */
public final class ClusterMessageSerializer extends SerializerWithStringManifest {
  private static final String APPEND = "QA";
  private static final String APPENDED = "QD";
  private static final String FOR_GROUP = "QG";
  private static final String PULL = "GP";
  private static final String PULLED = "GD";
  private static final String SCHEDULE = "DS";
  private static final String PREPARE = "TP";
  private static final String HELLO = "RH";
  private static final String WELCOME = "RW";
  private static final String FETCH = "RF";
  private static final String CHUNK = "RC";
  private static final String RESET = "RR";
  private static final String REFUSED = "RX";

  private final ExtendedActorSystem system;
  // Looked up on first use: the extensions may not exist yet while the serializers are created.
  private volatile ActorRefResolver resolver;
  private volatile Serialization serialization;
  private final ControllerMessages controller = new ControllerMessages(this::refToString, this::stringToRef);

  public ClusterMessageSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return 7_302;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof Queue.Append) {
      return APPEND;
    }
    if (o instanceof Queue.Appended) {
      return APPENDED;
    }
    if (o instanceof Queue.ForGroup) {
      return FOR_GROUP;
    }
    if (o instanceof GroupQueue.Pull) {
      return PULL;
    }
    if (o instanceof GroupQueue.Pulled) {
      return PULLED;
    }
    if (o instanceof DelayTimer.Schedule) {
      return SCHEDULE;
    }
    if (o instanceof QueueTransactions.Prepare) {
      return PREPARE;
    }
    return replicationManifest(o);
  }

  private static String replicationManifest(Object o) {
    if (o instanceof Replication.Hello) {
      return HELLO;
    }
    if (o instanceof Replication.Welcome) {
      return WELCOME;
    }
    if (o instanceof Replication.Fetch) {
      return FETCH;
    }
    if (o instanceof Replication.Chunk) {
      return CHUNK;
    }
    if (o instanceof Replication.Reset) {
      return RESET;
    }
    if (o instanceof Replication.Refused) {
      return REFUSED;
    }
    String controllerManifest = ControllerMessages.manifest(o);
    if (controllerManifest != null) {
      return controllerManifest;
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof Queue.Append a) {
      return ClusterProto.Append.newBuilder()
          .addAllMessages(a.messages()).setDedup(a.dedup()).setReplyTo(refToString(a.replyTo()))
          .build().toByteArray();
    }
    if (o instanceof Queue.Appended a) {
      return appendedToProto(a).toByteArray();
    }
    if (o instanceof Queue.ForGroup f) {
      return forGroupToProto(f).toByteArray();
    }
    if (o instanceof GroupQueue.Pull p) {
      return ClusterProto.Pull.newBuilder()
          .setMax(p.max()).setMaxBytes(p.maxBytes()).setFirstOfAnySize(p.firstOfAnySize())
          .setInvisibleMs(p.invisibleMs()).setFilter(p.filter()).setOrdered(p.ordered())
          .setReplyTo(refToString(p.replyTo()))
          .build().toByteArray();
    }
    if (o instanceof GroupQueue.Pulled p) {
      return pulledToProto(p).toByteArray();
    }
    if (o instanceof DelayTimer.Schedule s) {
      return ClusterProto.Schedule.newBuilder()
          .addAllMessages(s.messages()).setReplyTo(refToString(s.replyTo()))
          .build().toByteArray();
    }
    if (o instanceof QueueTransactions.Prepare p) {
      return ClusterProto.Prepare.newBuilder()
          .addAllMessages(p.messages()).setReplyTo(refToString(p.replyTo()))
          .build().toByteArray();
    }
    return replicationToBinary(o);
  }

  private byte[] replicationToBinary(Object o) {
    if (o instanceof Replication.Hello h) {
      return ReplicationProto.Hello.newBuilder()
          .setGroup(h.group()).setReplicaId(h.replicaId()).setLastEpoch(h.lastEpoch())
          .setEndPosition(h.endPosition()).setReplyTo(refToString(h.replyTo()))
          .build().toByteArray();
    }
    if (o instanceof Replication.Welcome w) {
      return ReplicationProto.Welcome.newBuilder()
          .setEpoch(w.epoch()).setTruncateTo(w.truncateTo()).setMasterMinPosition(w.masterMinPosition())
          .setMinPositionEpoch(w.minPositionEpoch())
          .build().toByteArray();
    }
    if (o instanceof Replication.Fetch f) {
      return ReplicationProto.Fetch.newBuilder()
          .setGroup(f.group()).setReplicaId(f.replicaId()).setEpoch(f.epoch()).setPosition(f.position())
          .setConfirmedPosition(f.confirmedPosition()).setReplyTo(refToString(f.replyTo()))
          .build().toByteArray();
    }
    if (o instanceof Replication.Chunk c) {
      return ReplicationProto.Chunk.newBuilder()
          .setEpoch(c.epoch()).setPosition(c.position()).setBytes(c.bytes()).setNextPosition(c.nextPosition())
          .setCommitPosition(c.commitPosition()).setMasterMinPosition(c.masterMinPosition())
          .build().toByteArray();
    }
    if (o instanceof Replication.Reset r) {
      return ReplicationProto.Reset.newBuilder()
          .setEpoch(r.epoch()).setMasterMinPosition(r.masterMinPosition()).setMinPositionEpoch(r.minPositionEpoch())
          .build().toByteArray();
    }
    if (o instanceof Replication.Refused r) {
      return ReplicationProto.Refused.newBuilder().setEpoch(r.epoch()).setReason(r.reason()).build().toByteArray();
    }
    return controller.toBinary(o);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      switch (manifest) {
        case APPEND: {
          var a = ClusterProto.Append.parseFrom(bytes);
          return new Queue.Append(List.copyOf(a.getMessagesList()), a.getDedup(), stringToRef(a.getReplyTo()));
        }
        case APPENDED:
          return appendedFromProto(ClusterProto.Appended.parseFrom(bytes));
        case FOR_GROUP:
          return forGroupFromProto(ClusterProto.ForGroup.parseFrom(bytes));
        case PULL: {
          var p = ClusterProto.Pull.parseFrom(bytes);
          return new GroupQueue.Pull(p.getMax(), p.getMaxBytes(), p.getFirstOfAnySize(), p.getInvisibleMs(),
              p.getFilter(), p.getOrdered(), stringToRef(p.getReplyTo()));
        }
        case PULLED:
          return pulledFromProto(ClusterProto.Pulled.parseFrom(bytes));
        case SCHEDULE: {
          var s = ClusterProto.Schedule.parseFrom(bytes);
          return new DelayTimer.Schedule(List.copyOf(s.getMessagesList()), stringToRef(s.getReplyTo()));
        }
        case PREPARE: {
          var p = ClusterProto.Prepare.parseFrom(bytes);
          return new QueueTransactions.Prepare(List.copyOf(p.getMessagesList()), stringToRef(p.getReplyTo()));
        }
        default:
          return replicationFromBinary(bytes, manifest);
      }
    } catch (InvalidProtocolBufferException e) {
      throw new NotSerializableException("corrupt cluster message (" + manifest + "): " + e.getMessage());
    }
  }

  private Object replicationFromBinary(byte[] bytes, String manifest)
      throws InvalidProtocolBufferException, NotSerializableException {
    switch (manifest) {
      case HELLO: {
        var h = ReplicationProto.Hello.parseFrom(bytes);
        return new Replication.Hello(h.getGroup(), h.getReplicaId(), h.getLastEpoch(), h.getEndPosition(),
            stringToRef(h.getReplyTo()));
      }
      case WELCOME: {
        var w = ReplicationProto.Welcome.parseFrom(bytes);
        return new Replication.Welcome(w.getEpoch(), w.getTruncateTo(), w.getMasterMinPosition(), w.getMinPositionEpoch());
      }
      case FETCH: {
        var f = ReplicationProto.Fetch.parseFrom(bytes);
        return new Replication.Fetch(f.getGroup(), f.getReplicaId(), f.getEpoch(), f.getPosition(),
            f.getConfirmedPosition(), stringToRef(f.getReplyTo()));
      }
      case CHUNK: {
        var c = ReplicationProto.Chunk.parseFrom(bytes);
        return new Replication.Chunk(c.getEpoch(), c.getPosition(), c.getBytes(), c.getNextPosition(),
            c.getCommitPosition(), c.getMasterMinPosition());
      }
      case RESET: {
        var r = ReplicationProto.Reset.parseFrom(bytes);
        return new Replication.Reset(r.getEpoch(), r.getMasterMinPosition(), r.getMinPositionEpoch());
      }
      case REFUSED: {
        var r = ReplicationProto.Refused.parseFrom(bytes);
        return new Replication.Refused(r.getEpoch(), r.getReason());
      }
      default:
        return controller.fromBinary(bytes, manifest);
    }
  }

  private static ClusterProto.Appended appendedToProto(Queue.Appended a) {
    var b = ClusterProto.Appended.newBuilder()
        .setFirstOffset(a.firstOffset()).setStoreTimestampMs(a.storeTimestampMs());
    for (Queue.Duplicate d : a.duplicates()) {
      b.addDuplicates(ClusterProto.Duplicate.newBuilder().setIndex(d.index()).setOffset(d.offset()));
    }
    return b.build();
  }

  private static Queue.Appended appendedFromProto(ClusterProto.Appended a) {
    List<Queue.Duplicate> duplicates = new ArrayList<>(a.getDuplicatesCount());
    for (ClusterProto.Duplicate d : a.getDuplicatesList()) {
      duplicates.add(new Queue.Duplicate(d.getIndex(), d.getOffset()));
    }
    return new Queue.Appended(a.getFirstOffset(), a.getStoreTimestampMs(), duplicates);
  }

  private static ClusterProto.Pulled pulledToProto(GroupQueue.Pulled p) {
    var b = ClusterProto.Pulled.newBuilder();
    for (GroupQueue.Delivered d : p.deliveries()) {
      b.addDeliveries(ClusterProto.Delivered.newBuilder()
          .setMessage(d.message()).setNonce(d.nonce()).setAttempt(d.attempt())
          .setInvisibleUntilMs(d.invisibleUntilMs()));
    }
    return b.build();
  }

  private static GroupQueue.Pulled pulledFromProto(ClusterProto.Pulled p) {
    List<GroupQueue.Delivered> deliveries = new ArrayList<>(p.getDeliveriesCount());
    for (ClusterProto.Delivered d : p.getDeliveriesList()) {
      deliveries.add(new GroupQueue.Delivered(d.getMessage(), d.getNonce(), d.getAttempt(), d.getInvisibleUntilMs()));
    }
    return new GroupQueue.Pulled(deliveries);
  }

  /** The group command goes with whatever serializer is bound to it, like Pekko's own envelopes. */
  private ClusterProto.ForGroup forGroupToProto(Queue.ForGroup f) {
    Object command = f.command();
    Serializer serializer = serialization().findSerializerFor(command);
    return ClusterProto.ForGroup.newBuilder()
        .setGroup(f.group())
        .setSerializerId(serializer.identifier())
        .setManifest(Serializers.manifestFor(serializer, command))
        .setCommand(ByteString.copyFrom(serializer.toBinary(command)))
        .build();
  }

  private Queue.ForGroup forGroupFromProto(ClusterProto.ForGroup f) throws NotSerializableException {
    Object command = serialization()
        .deserialize(f.getCommand().toByteArray(), f.getSerializerId(), f.getManifest())
        .get();
    if (!(command instanceof GroupQueue.Command)) {
      throw new NotSerializableException("ForGroup holds a " + command.getClass().getName());
    }
    return new Queue.ForGroup(f.getGroup(), (GroupQueue.Command) command);
  }

  private String refToString(ActorRef<?> ref) {
    return resolver().toSerializationFormat(ref);
  }

  private <T> ActorRef<T> stringToRef(String ref) {
    return resolver().resolveActorRef(ref);
  }

  private ActorRefResolver resolver() {
    if (resolver == null) {
      resolver = ActorRefResolver.get(Adapter.toTyped(system));
    }
    return resolver;
  }

  private Serialization serialization() {
    if (serialization == null) {
      serialization = SerializationExtension.get(system);
    }
    return serialization;
  }
}
