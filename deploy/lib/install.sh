# Shared install steps for deploy/stack and deploy/test. Each installs only what is missing.

apt_updated=0
apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages: $*; install them with: sudo apt-get install -y $*" >&2
        return 1
    fi
    if [ "$apt_updated" -eq 0 ]; then
        echo "== apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    echo "== apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# libzmq, SQLite and libcurl (headers and pkg-config files) to build; the Swift toolchain itself is expected on PATH.
install_build_dependencies() {
    command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift toolchain (6.1 or later) first" >&2; return 1; }
    local missing=()
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    pkg-config --exists libzmq 2>/dev/null || missing+=(libzmq3-dev)
    pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev)
    pkg-config --exists libcurl 2>/dev/null || missing+=(libcurl4-openssl-dev)
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# What the tests use besides the build: python3 with pyzmq (cross-language protocol clients),
# aiosmtpd (the real SMTP server the comms tests send email to) and Debian's Chromium (the report
# tests open the pages in a real browser).
install_test_dependencies() {
    if ! command -v python3 >/dev/null; then apt_install python3 python3-pip; fi
    if ! python3 -c "import zmq" 2>/dev/null; then
        echo "== pip install pyzmq"
        python3 -m pip install --quiet --disable-pip-version-check pyzmq 2>/dev/null \
            || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages pyzmq \
            || apt_install python3-zmq
    fi
    if ! python3 -c "import aiosmtpd" 2>/dev/null; then
        echo "== pip install aiosmtpd"
        python3 -m pip install --quiet --disable-pip-version-check aiosmtpd 2>/dev/null \
            || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages aiosmtpd \
            || apt_install python3-aiosmtpd
    fi
    # A real browser for the report tests (Tests/Browser/browser_check.py drives it over the DevTools protocol).
    if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then apt_install chromium; fi
}
