//! The -help text. Tests compare lines of it, and the README quotes it.

pub const USAGE: &str = "\
peekaboo: put this host into a Rackspace Cloud Load Balancer or an OpenStack Octavia pool,
or take it out.

Usage: peekaboo [-drain | -disable | -delete] [flags]
       peekaboo -watch [flags]

What to do (default: add the node, or set it ENABLED):
  -drain              set the node DRAINING: no new connections, established ones go on
  -disable            set the node DISABLED: connections are cut
  -delete             remove the node from the load balancer
                      (given together: -delete wins over -disable, -disable over -drain)
  -weight N           also set the node's weight, 1 to 100, on Octavia 1 to 256 (default: as
                      it is, 1 when new)
  -type T             also set its type, PRIMARY or SECONDARY (default: as it is)
  -name NAME          Octavia: the member's name, 1 to 255 characters (default: this host's
                      name for a member peekaboo creates; an existing member keeps its own)

Which node, on which load balancers:
  -ip ADDR            this host's address (default: RAX_SERVICENET_IPV4, RAX_PUBLICNET_IPV4,
                      the first 10.x interface address, then the first IPv4 on eth0)
  -port N             the application port (overrides APP_PORT)
  -lb ID[,ID...]      the load balancer id, or several: the same change to each, in order,
                      with one authentication (overrides LOAD_BALANCER_ID); on Octavia an
                      id or a name
  -region R           the region, e.g. IAD (overrides OS_REGION_NAME)
  -pool ID|NAME       Octavia: the pool to join (default: the load balancer's only pool)
  -subnet ID          Octavia: the member's subnet, sent when it is created (default: none
                      sent, so Octavia takes the load balancer's VIP subnet)
  -cloud NAME         Octavia: sign in as cloud NAME of clouds.yaml (overrides OS_CLOUD)

Reading and reporting:
  -status             only read: print this host's node on each load balancer, or that it
                      is absent; exit 0 when present on all, 4 when absent from any
  -dry-run            authenticate and read, print what would change, change nothing
  -json               at the end, one JSON object per load balancer on stdout
  -quiet              log only errors and the final state

Waiting:
  -wait               joining: wait until the app accepts connections on ADDR:PORT, enable,
                      then wait until the load balancer reports the node ONLINE;
                      leaving (-drain, -disable, -delete): set DRAINING, wait until the load
                      balancer's connections to the app end, then set DISABLED or delete
  -drain-timeout DURATION
                      the longest drain wait before connections are cut, when leaving with
                      -wait or -watch (default 60s, or half of -timeout if that is shorter);
                      0 skips the wait, for emergencies
  -drain-from CIDR[,CIDR...]
                      where the load balancer's connections come from, for that drain wait
                      (default: on Cloud Load Balancers, the addresses it reports; on
                      Octavia, any address but this host's own)
  -timeout DURATION   one deadline for the whole run: 90s, 2m, 1m30s or plain seconds
                      (default 2m)
  -interval DURATION  the longest wait between retries and status checks (default 5, seconds)

Watch mode:
  -watch              stay beside the app until SIGTERM or SIGINT: probe it, enable the node
                      after -rise passes in a row, drain it after -fall failures; on SIGTERM
                      drain, then delete the node (or -leave disable); on SIGHUP stop and
                      leave the node as it is. -timeout bounds each change and the whole
                      leave. Not with -status, -dry-run, -drain, -disable, -delete or -wait
  -health CHECK       tcp: a TCP connect to ADDR:PORT passes (default); or an http:// or
                      https:// URL: a GET answered 2xx or 3xx passes; or docker, only under
                      the -docker agent: the container's own health status
  -health-interval DURATION
                      the time between probes, jittered by 10% either way (default 5s)
  -health-timeout DURATION
                      the limit for one probe (default 2s)
  -rise N             passes in a row before the node is enabled, 1 to 1000 (default 2; 1
                      with -health docker)
  -fall N             failures in a row before it is drained, 1 to 1000 (default 3; 1
                      with -health docker)
  -leave delete|disable
                      what SIGTERM ends with, after the drain (default delete)
  -resync DURATION    re-read the node this often (jittered) and put it back if it drifted
                      (default 5m)

Docker mode:
  -docker             follow the local Docker engine until SIGTERM or SIGINT: one node per
                      container labelled peekaboo.lb, each watched as -watch watches an app
                      (labels: peekaboo.lb, .port, .health, .pool, .weight, .type, .name,
                      .drain-timeout); the watch flags above apply to every container. Not
                      with -lb, -port, -health, -watch, -status, -dry-run or a change
  -docker-host unix:///PATH
                      the engine's socket (overrides DOCKER_HOST; default
                      unix:///var/run/docker.sock); only unix:// is spoken

Connection:
  -backend clb|octavia
                      Rackspace Cloud Load Balancers (Identity v2.0) or OpenStack Octavia
                      (Keystone v3); default: octavia when OS_AUTH_URL ends in /v3,
                      OS_IDENTITY_API_VERSION is 3 or OS_AUTH_TYPE is v3password or
                      v3applicationcredential, or OS_AUTH_URL is set beside a variable
                      only Keystone v3 has (OS_PROJECT_*, OS_*_DOMAIN_*,
                      OS_APPLICATION_CREDENTIAL_*) and none points to Identity v2.0; else clb
  -allow-http         accept a plain http:// OS_AUTH_URL that is not loopback (credentials
                      then cross the network in clear), and a plain http:// load balancer
                      endpoint in the catalog (the token then crosses in clear)

  -h, -help, --help   show this help
  -version, --version show the version

Flags are written -name or --name, with -name value or -name=value.

Environment (Rackspace Cloud Load Balancers; Octavia's below):
  LOAD_BALANCER_ID    the load balancer id, or several as 1,2,3 (required unless -lb); on
                      Octavia ids or names
  OS_USERNAME         Rackspace user name (required)
  OS_PASSWORD         Rackspace API key (required); a password also works
  OS_REGION_NAME      the load balancer's region, any case (default: the account's only one)
  APP_PORT            application port (default 80)
  RAX_SERVICENET_IPV4 address to use when -ip is not given (default: none)
  RAX_PUBLICNET_IPV4  address to use when neither -ip nor RAX_SERVICENET_IPV4 is given
                      (default: none)
  OS_AUTH_URL         identity endpoint (default https://identity.api.rackspacecloud.com/v2.0);
                      plain http:// only for loopback addresses, unless -allow-http
  OS_CACERT           PEM file of CA certificates to trust instead of the built-in roots
                      (default: the built-in Mozilla roots)
  PEEKABOO_REQUEST_TIMEOUT
                      the limit for one HTTP request, within -timeout (default 30s)
  https_proxy, HTTPS_PROXY
                      proxy for https URLs, http[s]://[USER:PASS@]HOST[:PORT] (default: none)
  http_proxy          proxy for http URLs; HTTP_PROXY is ignored, as curl does
  all_proxy, ALL_PROXY
                      proxy when the scheme's own variable is unset; lower case wins
  no_proxy, NO_PROXY  hosts to reach directly: *, names with their subdomains, addresses,
                      CIDR ranges; loopback is never proxied. SOCKS proxies are refused
  JOURNAL_STREAM      set by systemd: when it names stderr, logs carry journald priorities
                      (<3> errors, <4> warnings, <6> information) instead of time stamps
  NOTIFY_SOCKET       set by systemd (Type=notify): with -watch, peekaboo reports READY=1,
                      STATUS=, STOPPING=1 there; a path or @abstract name, else a warning
  WATCHDOG_USEC, WATCHDOG_PID
                      set by systemd (WatchdogSec=): with -watch, WATCHDOG=1 every half of
                      WATCHDOG_USEC, unless WATCHDOG_PID names another process
  PEEKABOO_CONTAINER, PEEKABOO_CONTAINER_ID
                      set only by the -docker agent for each watcher: the container's name
                      and full id; every log line then starts with web-1 (3f2a9c1b): and
                      every -json object carries container and container_id

OpenStack Octavia (README: OpenStack); OS_CACERT, the proxies and the rest as above:
  OS_CLOUD            a cloud of clouds.yaml to sign in as (first found of
                      OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/clouds.yaml,
                      /etc/openstack/clouds.yaml; secure.yaml beside it merged over it);
                      the OS_* variables below override its keys
  OS_AUTH_URL         the Keystone v3 URL, ending in /v3, or the identity root, whose
                      version document names it (required)
  OS_USERNAME, OS_USER_ID
                      the user, by name or id (an id wins); on Flex, the Rackspace user name
  OS_PASSWORD         the password; on Flex, the API key works too
  OS_USER_DOMAIN_NAME, OS_USER_DOMAIN_ID
                      the user's domain (default: OS_DEFAULT_DOMAIN); on Flex,
                      OS_USER_DOMAIN_NAME=rackspace_cloud_domain
  OS_PROJECT_ID, OS_PROJECT_NAME
                      the project (required with a password; an id wins)
  OS_PROJECT_DOMAIN_NAME, OS_PROJECT_DOMAIN_ID
                      the domain of OS_PROJECT_NAME (default: OS_DEFAULT_DOMAIN)
  OS_DEFAULT_DOMAIN   the domain id for a user or project given without one (default: default)
  OS_APPLICATION_CREDENTIAL_ID, OS_APPLICATION_CREDENTIAL_NAME,
  OS_APPLICATION_CREDENTIAL_SECRET
                      sign in with an application credential: by id, or by name with the
                      user; no project is sent (the credential has one)
  OS_AUTH_TYPE        v3password or v3applicationcredential (default: the application
                      credential when its variables are set, else the password)
  OS_IDENTITY_API_VERSION
                      3 chooses Octavia, 2.0 Cloud Load Balancers (default: by OS_AUTH_URL)
  OS_REGION_NAME      the region as the catalog names it, e.g. DFW3 (default: the only one)
  OS_INTERFACE        the catalog's public, internal or admin endpoint (default: public)

Exit codes:
  0  the node is in the state asked for
  1  the API refused or failed the change (node limit, validation error, unexpected answer);
     -status: a node of ours is in ERROR, or in a state peekaboo does not know
  2  usage or configuration error: a flag or variable is wrong, credentials were rejected,
     the region or load balancer does not exist
  3  -timeout passed before the node reached the state asked for
  4  -status: the node is absent from a load balancer
  129, 130, 143
     SIGHUP, SIGINT or SIGTERM ended a wait (-watch: SIGTERM and SIGINT leave, SIGHUP
     detaches, and both exit 0)
  With several load balancers, the code is that of the first that failed.
";
