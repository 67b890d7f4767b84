# Sourced by the infra scripts that build Java servers: installs a JDK 17 and Maven from Debian when
# they are missing, so a fresh machine needs nothing but apt.
ensure_java_and_maven() {
  if command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then return; fi
  echo "infra: installing openjdk-17-jdk-headless and maven with apt-get (first run only)" >&2
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install openjdk-17-jdk-headless maven >&2; then
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >&2
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install openjdk-17-jdk-headless maven >&2
  fi
}
