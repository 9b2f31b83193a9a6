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

# libzmq, SQLite, libcurl and libcrypto (headers and pkg-config files) to build, and age for encrypted backups;
# the Swift toolchain itself is expected on PATH.
install_build_dependencies() {
    command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift toolchain (6.1 or later) first" >&2; return 1; }
    local missing=()
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    pkg-config --exists libzmq 2>/dev/null || missing+=(libzmq3-dev)
    pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev)
    pkg-config --exists libcurl 2>/dev/null || missing+=(libcurl4-openssl-dev)
    # OpenSSL's libcrypto: the SHA-256 of every backup file.
    pkg-config --exists libcrypto 2>/dev/null || missing+=(libssl-dev)
    # Debian's age encrypts backups (sendctl backup --recipient) and decrypts them (sendctl restore --identity).
    command -v age >/dev/null || missing+=(age)
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# What the tests use besides the build: python3 with pyzmq (cross-language protocol clients),
# aiosmtpd (the real SMTP server the comms tests send email to), Debian's Chromium (the report and
# portal tests open the pages in a real browser, and print the reports to PDF) with axe-core, nginx and
# openssl (the portal behind a TLS reverse proxy), and poppler-utils (the PDFs read back).
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
    # A real browser for the report and portal tests (Tests/Browser/browser_check.py and
    # browser_flow.py drive it over the DevTools protocol).
    if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then apt_install chromium; fi
    # axe-core for the accessibility checks (browser_flow.py injects its axe.min.js): PyPI's
    # axe-playwright-python ships the file; --no-deps, as no Playwright (nor its browser) is needed.
    if ! python3 -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('axe_playwright_python') is None)" 2>/dev/null; then
        echo "== pip install --no-deps axe-playwright-python"
        python3 -m pip install --quiet --disable-pip-version-check --no-deps axe-playwright-python 2>/dev/null \
            || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages --no-deps axe-playwright-python \
            || { echo "cannot install axe-playwright-python (axe-core for the accessibility checks): pip install --no-deps axe-playwright-python" >&2; return 1; }
    fi
    # nginx in front of the family portal (Tests/Portal/nginx_harness.py) and openssl for its test certificate;
    # poppler's pdftoppm, pdftotext, pdfinfo and pdftohtml read back the PDFs of sendctl report --pdf
    # (Tests/Browser/pdf_check.py).
    local missing=()
    command -v pdftoppm >/dev/null || missing+=(poppler-utils)
    command -v nginx >/dev/null || missing+=(nginx)
    command -v openssl >/dev/null || missing+=(openssl)
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# What the benchmarks use besides the build: wrk (HTTP load for the family portal) and nginx
# (the peer serving the same bytes as a static file; Benchmarks/portal/).
install_bench_dependencies() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v nginx >/dev/null || missing+=(nginx)
    command -v python3 >/dev/null || missing+=(python3)
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}
