package org.cellsight.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.opensearch.client.node.NodeClient;
import org.opensearch.common.network.NetworkService;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.discovery.SeedHostsProvider;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.DiscoveryPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestChannel;
import org.opensearch.rest.RestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.transport.TransportService;

/**
 * What the test node needs beyond stock OpenSearch, and no more.
 *
 * <p>HTTP basic auth from a users file ({@code name:password:rw|ro} per line), so the team-backend
 * tests can meet wrong credentials and a read-only user without the security plugin (which is
 * not on Maven Central). It answers as the security plugin does: 401 with a
 * {@code WWW-Authenticate} challenge, 403 for a reader's write; passwords are plain text because
 * this node only ever serves tests on loopback.
 *
 * <p>A seed-hosts provider reading a directory where each node of a loopback cluster writes its
 * own transport address: the ports are chosen free at start, so no node knows its peers' ports
 * beforehand, and a restarted node simply rewrites its file.
 */
public final class CellsightTestPlugin extends Plugin implements ActionPlugin, DiscoveryPlugin {
    static final Setting<String> USERS_FILE =
        Setting.simpleString("cellsight.users_file", Setting.Property.NodeScope);
    static final Setting<String> SEEDS_DIR =
        Setting.simpleString("cellsight.seeds_dir", Setting.Property.NodeScope);
    static final String SEED_PROVIDER = "cellsight-dir";
    static final String SEED_SUFFIX = ".transport";

    /** The first {@code _}-segment of a path a read-only user may POST to (bodies of reads). */
    private static final Set<String> READ_ENDPOINTS = Set.of(
        "_search", "_msearch", "_count", "_mget", "_field_caps", "_explain", "_validate",
        "_analyze", "_termvectors", "_mtermvectors", "_rank_eval");

    private final Settings settings;
    private final Map<String, User> users;

    record User(String name, byte[] password, boolean canWrite) {}

    public CellsightTestPlugin(Settings settings) {
        this.settings = settings;
        String file = USERS_FILE.get(settings);
        this.users = file.isEmpty() ? Map.of() : readUsers(Path.of(file));
    }

    @Override
    public List<Setting<?>> getSettings() {
        return List.of(USERS_FILE, SEEDS_DIR);
    }

    // ---- basic auth -------------------------------------------------------------------------

    static Map<String, User> readUsers(Path file) {
        Map<String, User> out = new HashMap<>();
        try {
            for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split(":", 3);
                if (parts.length != 3 || !(parts[2].equals("rw") || parts[2].equals("ro"))) {
                    throw new IllegalArgumentException(
                        "users file " + file + ": expected name:password:rw|ro, got [" + line + "]");
                }
                byte[] password = parts[1].getBytes(StandardCharsets.UTF_8);
                out.put(parts[0], new User(parts[0], password, parts[2].equals("rw")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read users file " + file, e);
        }
        return Map.copyOf(out);
    }

    @Override
    public UnaryOperator<RestHandler> getRestHandlerWrapper(ThreadContext threadContext) {
        // OpenSearch allows one wrapper in the whole node; none at all keeps the node open.
        if (users.isEmpty()) {
            return null;
        }
        return handler -> new RestHandler.Wrapper(handler) {
            @Override
            public void handleRequest(RestRequest request, RestChannel channel, NodeClient client)
                    throws Exception {
                Refusal refusal = refuse(request);
                if (refusal == null) {
                    super.handleRequest(request, channel, client);
                    return;
                }
                BytesRestResponse response = new BytesRestResponse(refusal.status(),
                    "application/json", errorJson(refusal.reason(), refusal.status().getStatus()));
                if (refusal.status() == RestStatus.UNAUTHORIZED) {
                    response.addHeader("WWW-Authenticate", "Basic realm=\"cellsight\"");
                }
                channel.sendResponse(response);
            }
        };
    }

    record Refusal(RestStatus status, String reason) {}

    /** Why the request may not run (401: who are you? 403: not you), or null when it may. */
    Refusal refuse(RestRequest request) {
        String path = request.path();
        String header = request.header("Authorization");
        User user = authenticate(header);
        if (user == null) {
            return new Refusal(RestStatus.UNAUTHORIZED, header == null
                ? "missing authentication credentials for REST request [" + path + "]"
                : "unable to authenticate user for REST request [" + path + "]");
        }
        if (user.canWrite() || isRead(request.method(), path)) {
            return null;
        }
        return new Refusal(RestStatus.FORBIDDEN, "user [" + user.name() + "] may only read: "
            + request.method() + " " + path + " is not allowed");
    }

    private User authenticate(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()),
                StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        User user = users.get(decoded.substring(0, colon));
        byte[] given = decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
        // Constant-time, so the test node does not teach a bad habit.
        return user != null && MessageDigest.isEqual(user.password(), given) ? user : null;
    }

    static boolean isRead(RestRequest.Method method, String path) {
        if (method == RestRequest.Method.GET || method == RestRequest.Method.HEAD) {
            return true;
        }
        String endpoint = "";
        for (String segment : path.split("/")) {
            if (segment.startsWith("_")) {
                endpoint = segment;
                break;
            }
        }
        if (method == RestRequest.Method.POST) {
            return READ_ENDPOINTS.contains(endpoint);
        }
        // Clearing a scroll or a point in time frees the reader's own search context.
        return method == RestRequest.Method.DELETE && endpoint.equals("_search");
    }

    static String errorJson(String reason, int status) {
        String quoted = reason.replace("\\", "\\\\").replace("\"", "\\\"");
        return "{\"error\":{\"root_cause\":[{\"type\":\"security_exception\",\"reason\":\"" + quoted
            + "\"}],\"type\":\"security_exception\",\"reason\":\"" + quoted + "\"},\"status\":"
            + status + "}";
    }

    // ---- seed hosts from a directory ---------------------------------------------------------

    @Override
    public Map<String, Supplier<SeedHostsProvider>> getSeedHostProviders(
            TransportService transportService, NetworkService networkService) {
        return Map.of(SEED_PROVIDER, () -> resolver -> resolver.resolveHosts(readSeeds()));
    }

    private List<String> readSeeds() {
        String dir = SEEDS_DIR.get(settings);
        List<String> hosts = new ArrayList<>();
        if (dir.isEmpty() || !Files.isDirectory(Path.of(dir))) {
            return hosts;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of(dir), "*" + SEED_SUFFIX)) {
            for (Path file : files) {
                String address = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!address.isEmpty()) {
                    hosts.add(address);
                }
            }
        } catch (IOException e) {
            // A file being renamed into place; the next discovery round reads it.
            return hosts;
        }
        return hosts;
    }
}
