package tracardi.infra;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.node.ClasspathPluginNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * A single-node Elasticsearch for integration tests: HTTP and transport on 127.0.0.1, data and logs
 * under the directory given as the first argument. Runs until the process gets SIGTERM.
 *
 * <p>Usage: {@code EmbeddedElasticsearch <home-dir> <http-port> <transport-port>}
 *
 * <p>Only the server and transport-netty4 are on Maven Central, so the node has no painless, reindex
 * (no {@code _update_by_query}), analysis-common, mapper-extras or x-pack (so no security either).
 */
public final class EmbeddedElasticsearch {
  private EmbeddedElasticsearch() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: EmbeddedElasticsearch <home-dir> <http-port> <transport-port>");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    Settings settings =
        Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "tracardi-test")
            .put("node.name", "n1")
            .put("network.host", "127.0.0.1")
            .put("http.port", args[1])
            .put("transport.port", args[2])
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            .put("discovery.type", "single-node")
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            // The real-memory breaker trips early on a small heap with a serial collector.
            .put("indices.breaker.total.use_real_memory", false)
            .build();
    LogConfigurator.configureWithoutConfig(settings);

    Node node = new ClasspathPluginNode(settings, List.of(Netty4Plugin.class));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.close();
                    node.awaitClose(30, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    e.printStackTrace();
                  } finally {
                    stopped.countDown();
                  }
                },
                "embedded-elasticsearch-shutdown"));
    node.start();
    // Elasticsearch's threads are daemons: keep the JVM alive until the shutdown hook has run.
    stopped.await();
  }
}
