#!/usr/bin/env bash
# Installs every Debian package the build, the run and the tests need. Idempotent: installs only
# what is missing and says what it installs. Used by scripts/run.sh, scripts/test.sh and .ci/run.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  libpoco-dev rapidjson-dev libcurl4-openssl-dev libssl-dev libxml2-dev zlib1g-dev
  libxmlsec1-dev libxmlsec1-openssl  # the VIHF and XAdES signatures of xds/ (xmlsec1 over libxml2)
  libpq-dev  # the PostgreSQL store's client library (libpq; libpoco-dev does not pull it in)
  # tests and checks
  googletest libgtest-dev libgmock-dev openssl curl ca-certificates clang-format libxml2-utils
  xmlsec1  # the command line that verifies the signatures in the xds tests
  python3-aiosmtpd  # the real SMTP server of the MSSanté tests
  # The test PostgreSQL server of the store tests (tests/tools/pg-cluster.sh runs initdb, pg_ctl
  # and postgres into a temporary folder; as root, as the `postgres` user this package creates).
  # Installing it may also create and start Debian's own cluster on port 5432, which the tests
  # do not use.
  postgresql
  python3-prometheus-client  # Prometheus' text-format parser reads /metrics in the tests
  libsaxonhe-java default-jre-headless  # Saxon-HE for the ANS CDA schematrons (tests/xds/schematron)
  xmlsec1  # signs the DMP peer's self-test request (tests/connectors/dmp-peer/fixture)
)
# Node.js and npm are always needed: the build bundles the admin console (gateway/console) with
# the npm packages of its package-lock.json.
packages+=(nodejs npm)
# Extra groups: "--with-node" (accepted for the callers that pass it: Node.js and npm are always
# installed now, for the FHIR validator tests too); "--with-fuzz" for the
# libFuzzer targets (scripts/fuzz.sh): clang and its sanitizer/fuzzer runtimes, which clang only
# recommends (and recommends are not installed here); "--with-tidy" for scripts/tidy.sh;
# "--with-bench" for scripts/bench.sh (wrk, the sqlite3 shell, bc; perf for its --profile);
# "--with-browser" for the console's browser tests (tests/console): Debian's chromium, and fonts
# with the accented letters of the French screens.
for arg in "$@"; do
  case "$arg" in
    --with-node) ;;
    --with-fuzz) packages+=(clang libclang-rt-14-dev) ;;
    --with-tidy) packages+=(clang-tidy) ;;
    --with-bench) packages+=(wrk sqlite3 bc linux-perf) ;;
    --with-browser) packages+=(chromium fonts-dejavu-core) ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js and npm may come from the machine image rather than Debian's packages (and Debian's npm
# then conflicts with it): a working command is enough.
kept=()
for p in "${missing[@]}"; do
  case "$p" in
    nodejs) command -v node >/dev/null || kept+=("$p") ;;
    npm) command -v npm >/dev/null || kept+=("$p") ;;
    *) kept+=("$p") ;;
  esac
done
missing=("${kept[@]}")

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all required packages are installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "setup: run as root (or install sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
