package io.sluice.actors.serialization;

import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.actors.controller.GroupState;
import io.sluice.actors.controller.PromotionHook;
import io.sluice.actors.controller.ReplicaController;
import io.sluice.protocol.internal.ControllerProto;
import java.io.NotSerializableException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The replica controller's messages and Distributed Data entries as the protobuf messages of
 * {@code sluice/internal/v1/controller.proto}, for {@link ClusterMessageSerializer}.
 */
final class ControllerMessages {
  private static final String STATE = "CS";
  private static final String REPORT = "CR";
  private static final String CHANGE_IN_SYNC = "CI";
  private static final String SWITCH = "CW";
  private static final String FORCE = "CF";
  private static final String PROMOTED = "CP";
  private static final String GET_STATES = "CG";
  private static final String STATES = "CT";
  private static final String ACCEPTED = "CA";
  private static final String REFUSED = "CX";
  private static final String PROMOTE = "CM";

  private final Function<ActorRef<?>, String> refToString;
  private final Function<String, ActorRef<?>> stringToRef;

  ControllerMessages(Function<ActorRef<?>, String> refToString, Function<String, ActorRef<?>> stringToRef) {
    this.refToString = refToString;
    this.stringToRef = stringToRef;
  }

  /** The manifest of a controller message, or null if {@code o} is none. */
  static String manifest(Object o) {
    if (o instanceof GroupState) {
      return STATE;
    }
    if (o instanceof ReplicaController.Report) {
      return REPORT;
    }
    if (o instanceof ReplicaController.ChangeInSync) {
      return CHANGE_IN_SYNC;
    }
    if (o instanceof ReplicaController.SwitchMaster) {
      return SWITCH;
    }
    if (o instanceof ReplicaController.ForceUncleanMaster) {
      return FORCE;
    }
    if (o instanceof ReplicaController.Promoted) {
      return PROMOTED;
    }
    if (o instanceof ReplicaController.GetStates) {
      return GET_STATES;
    }
    if (o instanceof ReplicaController.States) {
      return STATES;
    }
    if (o instanceof ReplicaController.Accepted) {
      return ACCEPTED;
    }
    if (o instanceof ReplicaController.Refused) {
      return REFUSED;
    }
    if (o instanceof PromotionHook.Promote) {
      return PROMOTE;
    }
    return null;
  }

  byte[] toBinary(Object o) {
    if (o instanceof GroupState s) {
      return toProto(s).toByteArray();
    }
    if (o instanceof ReplicaController.Report r) {
      return ControllerProto.ReplicaReport.newBuilder()
          .setGroup(r.group()).setReplicaId(r.replicaId()).setEpoch(r.epoch()).setEndPosition(r.endPosition())
          .setCleanStart(r.cleanStart()).addAllReplicas(r.replicas()).setHook(refToString.apply(r.hook()))
          .build().toByteArray();
    }
    if (o instanceof ReplicaController.ChangeInSync c) {
      return ControllerProto.ChangeInSync.newBuilder()
          .setGroup(c.group()).setMaster(c.master()).setEpoch(c.epoch()).addAllInSync(c.inSync())
          .setReplyTo(refToString.apply(c.replyTo()))
          .build().toByteArray();
    }
    if (o instanceof ReplicaController.SwitchMaster s) {
      return ControllerProto.SwitchMaster.newBuilder()
          .setGroup(s.group()).setTarget(s.target()).setReplyTo(refToString.apply(s.replyTo())).build()
          .toByteArray();
    }
    if (o instanceof ReplicaController.ForceUncleanMaster f) {
      return ControllerProto.ForceUncleanMaster.newBuilder()
          .setGroup(f.group()).setReplicaId(f.replicaId()).setReason(f.reason())
          .setReplyTo(refToString.apply(f.replyTo()))
          .build().toByteArray();
    }
    if (o instanceof ReplicaController.Promoted p) {
      return ControllerProto.Promoted.newBuilder()
          .setGroup(p.group()).setReplicaId(p.replicaId()).setEpoch(p.epoch()).build().toByteArray();
    }
    if (o instanceof ReplicaController.GetStates g) {
      return ControllerProto.GetGroupStates.newBuilder().setReplyTo(refToString.apply(g.replyTo())).build().toByteArray();
    }
    if (o instanceof ReplicaController.States s) {
      var b = ControllerProto.GroupStates.newBuilder().setTerm(s.term());
      s.byGroup().values().forEach(state -> b.addStates(toProto(state)));
      return b.build().toByteArray();
    }
    if (o instanceof ReplicaController.Accepted a) {
      return ControllerProto.DecisionAccepted.newBuilder().setState(toProto(a.state())).build().toByteArray();
    }
    if (o instanceof ReplicaController.Refused r) {
      return ControllerProto.DecisionRefused.newBuilder().setReason(r.reason()).build().toByteArray();
    }
    if (o instanceof PromotionHook.Promote p) {
      return ControllerProto.Promote.newBuilder()
          .setGroup(p.group()).setEpoch(p.epoch()).addAllInSync(p.inSync())
          .setReplyTo(refToString.apply(p.replyTo()))
          .build().toByteArray();
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName());
  }

  @SuppressWarnings("unchecked")
  private <T> ActorRef<T> ref(String serialized) {
    return (ActorRef<T>) stringToRef.apply(serialized);
  }

  Object fromBinary(byte[] bytes, String manifest) throws InvalidProtocolBufferException, NotSerializableException {
    switch (manifest) {
      case STATE:
        return fromProto(ControllerProto.GroupControl.parseFrom(bytes));
      case REPORT: {
        var r = ControllerProto.ReplicaReport.parseFrom(bytes);
        return new ReplicaController.Report(r.getGroup(), r.getReplicaId(), r.getEpoch(), r.getEndPosition(),
            r.getCleanStart(), r.getReplicasList(), ref(r.getHook()));
      }
      case CHANGE_IN_SYNC: {
        var c = ControllerProto.ChangeInSync.parseFrom(bytes);
        return new ReplicaController.ChangeInSync(c.getGroup(), c.getMaster(), c.getEpoch(),
            Set.copyOf(c.getInSyncList()), ref(c.getReplyTo()));
      }
      case SWITCH: {
        var s = ControllerProto.SwitchMaster.parseFrom(bytes);
        return new ReplicaController.SwitchMaster(s.getGroup(), s.getTarget(), ref(s.getReplyTo()));
      }
      case FORCE: {
        var f = ControllerProto.ForceUncleanMaster.parseFrom(bytes);
        return new ReplicaController.ForceUncleanMaster(f.getGroup(), f.getReplicaId(), f.getReason(),
            ref(f.getReplyTo()));
      }
      case PROMOTED: {
        var p = ControllerProto.Promoted.parseFrom(bytes);
        return new ReplicaController.Promoted(p.getGroup(), p.getReplicaId(), p.getEpoch());
      }
      case GET_STATES:
        return new ReplicaController.GetStates(ref(ControllerProto.GetGroupStates.parseFrom(bytes).getReplyTo()));
      case STATES: {
        var s = ControllerProto.GroupStates.parseFrom(bytes);
        Map<String, GroupState> byGroup = new HashMap<>();
        for (ControllerProto.GroupControl state : s.getStatesList()) {
          byGroup.put(state.getGroup(), fromProto(state));
        }
        return new ReplicaController.States(s.getTerm(), byGroup);
      }
      case ACCEPTED:
        return new ReplicaController.Accepted(fromProto(ControllerProto.DecisionAccepted.parseFrom(bytes).getState()));
      case REFUSED:
        return new ReplicaController.Refused(ControllerProto.DecisionRefused.parseFrom(bytes).getReason());
      case PROMOTE: {
        var p = ControllerProto.Promote.parseFrom(bytes);
        return new PromotionHook.Promote(p.getGroup(), p.getEpoch(), Set.copyOf(p.getInSyncList()), ref(p.getReplyTo()));
      }
      default:
        throw new NotSerializableException("unknown manifest '" + manifest + "'");
    }
  }

  private static ControllerProto.GroupControl toProto(GroupState s) {
    return ControllerProto.GroupControl.newBuilder()
        .setGroup(s.group()).setMaster(s.master()).setMasterAddress(s.masterAddress()).setEpoch(s.epoch())
        .addAllInSync(s.inSync()).setStatus(s.status().name()).setTerm(s.term()).setVersion(s.version())
        .build();
  }

  private static GroupState fromProto(ControllerProto.GroupControl s) throws NotSerializableException {
    GroupState.Status status;
    try {
      status = GroupState.Status.valueOf(s.getStatus());
    } catch (IllegalArgumentException e) {
      throw new NotSerializableException("unknown group status '" + s.getStatus() + "'");
    }
    return new GroupState(s.getGroup(), s.getMaster(), s.getMasterAddress(), s.getEpoch(), Set.copyOf(s.getInSyncList()),
        status, s.getTerm(), s.getVersion());
  }
}
