package org.cellsight.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.action.admin.cluster.health.ClusterHealthResponse;
import org.opensearch.cluster.health.ClusterHealthStatus;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.TransportService;

/**
 * Starts one OpenSearch 2.19 node in this JVM with the modules Cellsight's team backend uses
 * loaded from the classpath (the distribution loads the same classes from its modules/ folder).
 *
 * <pre>
 * java -cp ... org.cellsight.node.CellsightNode --work DIR [--http-port N] [--transport-port N]
 *      [--name NODE] [--cluster NAME --cluster-managers n1,n2,n3 (--seeds-dir DIR | --seeds h:p,...)]
 *      [--users FILE] [--set key=value]... [--exit-with PID]
 * </pre>
 *
 * <p>Port 0 (the default) takes a free one. Once the cluster is at least yellow it writes
 * {@code WORK/ready.json} (url, pid, ports) and prints {@code OPENSEARCH_URL=...} as its last
 * line; SIGTERM closes the node and removes the ready file, and so does the end of the
 * {@code --exit-with} process (a test run that was killed leaves no JVM behind).
 */
public final class CellsightNode {
    private CellsightNode() {}

    /** Node's plugin-taking constructor is protected: the test framework's MockNode does the same. */
    static final class ClasspathNode extends Node {
        ClasspathNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
            super(environment, plugins, true);
        }
    }

    static final List<Class<? extends Plugin>> PLUGINS = List.of(
        org.opensearch.transport.Netty4Plugin.class,
        org.opensearch.analysis.common.CommonAnalysisPlugin.class,
        org.opensearch.painless.PainlessPlugin.class,
        org.opensearch.index.reindex.ReindexPlugin.class,
        org.opensearch.index.mapper.MapperExtrasPlugin.class,
        CellsightTestPlugin.class);

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("cellsight-node: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path work = options.work.toAbsolutePath();
        Files.createDirectories(work.resolve("logs"));
        Files.createDirectories(work.resolve("config"));
        Path ready = work.resolve("ready.json");
        Files.deleteIfExists(ready);
        // Before the first logger exists: log4j2.properties on the classpath reads these.
        System.setProperty("cellsight.log.file", work.resolve("logs/opensearch.log").toString());
        System.setProperty("log4j.shutdownHookEnabled", "false");
        System.setProperty("log4j2.disable.jmx", "true");

        Node node;
        try {
            Environment environment = new Environment(settings(options, work), work.resolve("config"));
            node = new ClasspathNode(environment, PLUGINS).start();
        } catch (Exception e) {
            System.err.println("cellsight-node: could not start: " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.deleteIfExists(ready);
                node.close();
                node.awaitClose(30, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                System.err.println("cellsight-node: while closing: " + e);
            } finally {
                closed.countDown();
            }
        }, "cellsight-node-close"));

        if (options.exitWith > 0) {
            ProcessHandle.of(options.exitWith).ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> System.exit(0)), () -> System.exit(0));
        }

        int httpPort = node.injector().getInstance(HttpServerTransport.class)
            .boundAddress().publishAddress().getPort();
        int transportPort = node.injector().getInstance(TransportService.class)
            .boundAddress().publishAddress().getPort();
        if (options.seedsDir != null) {
            writeAtomically(options.seedsDir.resolve(options.name + CellsightTestPlugin.SEED_SUFFIX),
                "127.0.0.1:" + transportPort + "\n");
        }
        ClusterHealthStatus status = waitForYellow(node);
        String url = "http://127.0.0.1:" + httpPort;
        writeAtomically(ready, "{\"url\": \"" + url + "\", \"pid\": " + ProcessHandle.current().pid()
            + ", \"http_port\": " + httpPort + ", \"transport_port\": " + transportPort
            + ", \"name\": \"" + options.name + "\", \"status\": \"" + status.name().toLowerCase()
            + "\"}\n");
        System.out.println("OPENSEARCH_URL=" + url);
        System.out.flush();
        closed.await();
    }

    static Settings settings(Options options, Path work) {
        Settings.Builder settings = Settings.builder()
            .put("path.home", work.toString())
            .put("path.data", work.resolve("data").toString())
            .put("path.logs", work.resolve("logs").toString())
            .put("node.name", options.name)
            .put("network.host", "127.0.0.1")
            .put("http.port", options.httpPort)
            .put("transport.port", options.transportPort)
            // A nearly full developer disk or CI runner must not turn the test indices
            // read-only; the flood-stage test switches this back on.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            // start() would otherwise wait 30 s for peers that this JVM's caller starts next.
            .put("discovery.initial_state_timeout", "0s");
        if (options.cluster == null) {
            settings.put("cluster.name", "cellsight-test").put("discovery.type", "single-node");
        } else {
            settings.put("cluster.name", options.cluster);
            settings.putList("cluster.initial_cluster_manager_nodes", options.managers);
            if (!options.seeds.isEmpty()) {
                settings.putList("discovery.seed_hosts", options.seeds);
            }
            if (options.seedsDir != null) {
                settings.put(CellsightTestPlugin.SEEDS_DIR.getKey(), options.seedsDir.toString());
                settings.putList("discovery.seed_providers", CellsightTestPlugin.SEED_PROVIDER);
            }
        }
        if (options.users != null) {
            settings.put(CellsightTestPlugin.USERS_FILE.getKey(), options.users.toString());
        }
        for (String pair : options.extra) {
            int eq = pair.indexOf('=');
            settings.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return settings.build();
    }

    /** Health from inside the node: no HTTP client needed, and no cluster manager is no error. */
    static ClusterHealthStatus waitForYellow(Node node) throws InterruptedException {
        while (true) {
            try {
                ClusterHealthResponse health = node.client().admin().cluster().prepareHealth()
                    .setWaitForYellowStatus().setTimeout(TimeValue.timeValueSeconds(30)).get();
                if (!health.isTimedOut() && health.getStatus() != ClusterHealthStatus.RED) {
                    return health.getStatus();
                }
            } catch (RuntimeException e) {
                // No cluster manager elected yet: the peers are still starting.
                Thread.sleep(200);
            }
        }
    }

    static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static final class Options {
        Path work;
        String name = "node-1";
        int httpPort;
        int transportPort;
        String cluster;
        List<String> managers = new ArrayList<>();
        List<String> seeds = new ArrayList<>();
        Path seedsDir;
        Path users;
        long exitWith;
        List<String> extra = new ArrayList<>();

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                String value = args[++i];
                switch (flag) {
                    case "--work" -> o.work = Path.of(value);
                    case "--name" -> o.name = value;
                    case "--http-port" -> o.httpPort = Integer.parseInt(value);
                    case "--transport-port" -> o.transportPort = Integer.parseInt(value);
                    case "--cluster" -> o.cluster = value;
                    case "--cluster-managers" -> o.managers = List.of(value.split(","));
                    case "--seeds" -> o.seeds = List.of(value.split(","));
                    case "--seeds-dir" -> o.seedsDir = Path.of(value).toAbsolutePath();
                    case "--users" -> o.users = Path.of(value).toAbsolutePath();
                    case "--exit-with" -> o.exitWith = Long.parseLong(value);
                    case "--set" -> {
                        if (value.indexOf('=') <= 0) {
                            throw new IllegalArgumentException("--set wants key=value, got " + value);
                        }
                        o.extra.add(value);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            if (o.work == null) {
                throw new IllegalArgumentException("--work DIR is required");
            }
            if (o.cluster != null && o.managers.isEmpty()) {
                o.managers = List.of(o.name);
            }
            return o;
        }
    }
}
