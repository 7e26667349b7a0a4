// The reference for bench/offset-sync.bench.ts: MM2's own client API, called once per
// consumer group as an operator's failover script would. Each call opens a consumer and
// reads `<alias>.checkpoints.internal` on the target from the beginning.
//
//   java -cp <classes>:<kafka libs>/* TranslateOffsets <bootstrap> <alias> <partitions> <budget-ms> < group-names
//
// Reads the group names from stdin, one per line. Prints one line per group,
// "group <name> <offsets> <sum of offsets>", then "done <groups measured> <total ns>".
// Stops after the group that crosses <budget-ms>, so the caller can extrapolate.
// Exits 1 when a group does not translate to <partitions> offsets.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;

public final class TranslateOffsets {
  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: TranslateOffsets <bootstrap> <alias> <partitions> <budget-ms> < group-names");
      System.exit(2);
    }
    Map<String, Object> props = Map.of("bootstrap.servers", args[0]);
    String alias = args[1];
    int partitions = Integer.parseInt(args[2]);
    long budgetNs = Long.parseLong(args[3]) * 1_000_000L;
    List<String> groups = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).lines().filter(l -> !l.isBlank()).toList();

    // Untimed: class loading and the first connection are not what the loop measures.
    translate(props, alias, groups.get(0), partitions);

    int measured = 0;
    long started = System.nanoTime();
    long elapsed = 0;
    StringBuilder out = new StringBuilder();
    for (String group : groups) {
      Map<TopicPartition, OffsetAndMetadata> offsets = translate(props, alias, group, partitions);
      elapsed = System.nanoTime() - started;
      measured++;
      long sum = offsets.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
      out.append("group ").append(group).append(' ').append(offsets.size()).append(' ').append(sum).append('\n');
      if (elapsed > budgetNs) break;
    }
    System.out.print(out);
    System.out.println("done " + measured + " " + elapsed);
  }

  private static Map<TopicPartition, OffsetAndMetadata> translate(Map<String, Object> props, String alias, String group, int partitions) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = RemoteClusterUtils.translateOffsets(props, alias, group, Duration.ofSeconds(30));
    if (offsets.size() != partitions) {
      System.err.println("RemoteClusterUtils.translateOffsets returned " + offsets.size() + " offsets for group " + group + ", expected "
          + partitions + ": is " + alias + ".checkpoints.internal on " + props.get("bootstrap.servers") + " seeded for this many partitions?");
      System.exit(1);
    }
    return offsets;
  }
}
