# Entry points for people and CI. `make demo` and `make check` install their own Debian packages.
DEBS = meson ninja-build pkg-config gcc clang libclang-rt-14-dev \
       libmnl-dev libinih-dev libsodium-dev nettle-dev libcap-dev libseccomp-dev libcmocka-dev \
       iproute2 kmod ethtool user-mode-linux uml-utilities pppoe ppp tshark python3-scapy \
       iputils-ping procps radvd kea-dhcp6-server wide-dhcpv6-server dnsmasq-base \
       debhelper dpkg-dev fakeroot man-db groff-base systemd busybox bind9-dnsutils dnsperf nsd unbound \
       curl iperf3 tcpdump tayga ndisc6 git lintian shfmt dhcpcd-base thc-ipv6 bpftool valgrind linux-perf

BUILD ?= build
PREFIX ?= /usr/local
DEBOUT ?= build-deb

.PHONY: all deps build check unit fuzz interop demo bench attack install deb clean

all: build

deps:
	@if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (apt-get install)"; exit 1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBS) >/dev/null

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dwerror=true

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Everything: first that every command the tests and benches call comes from DEBS
# (tests/check_deps.sh), then unit tests, fuzzers (bounded), interop tests against the UML ISP.
check: deps build
	bash tests/run_all.sh

unit: build
	TESTS=unit bash tests/run_all.sh

fuzz:
	TESTS=fuzz bash tests/run_all.sh

interop: build
	TESTS=interop bash tests/run_all.sh

# Dial the built-in test ISP (User-Mode Linux running pppoe-server + pppd) and show the result.
demo: deps build
	bash tests/interop/demo.sh

bench: build
	bash bench/pppoe_throughput.sh
	V6L_BIN=$(BUILD)/v6link bash bench/nat46_bench.sh
	bash bench/dns_proxy_bench.sh $(BUILD)
	bash bench/connect_time.sh $(BUILD)

# Hostile peers against a running daemon (bench/attack.sh: thc-ipv6 in router mode, a scapy
# access concentrator and a DNS flood in dial-up mode); not part of check. About 6 minutes.
attack: build
	bash bench/attack.sh $(BUILD)

# make install [PREFIX=/usr/local] [DESTDIR=...]: PREFIX/sbin/v6link, man pages, examples in
# PREFIX/share/doc/v6link/examples, the systemd unit in PREFIX/lib/systemd/system.
install: build
	meson setup --reconfigure --prefix=$(PREFIX) $(BUILD) >/dev/null
	meson install -C $(BUILD) $(if $(DESTDIR),--destdir=$(abspath $(DESTDIR)))

# Debian package (debhelper, meson) from the files git tracks (or the whole tree outside git),
# built in a copy: $(DEBOUT)/v6link_VERSION_ARCH.deb. Build-Depends: debian/control.
deb:
	rm -rf $(DEBOUT) && mkdir -p $(DEBOUT)/src
	if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ]; then \
		git ls-files -z | tar --null --ignore-failed-read -T - -cf -; \
	else \
		tar --exclude='./build*' --exclude='./$(DEBOUT)' --exclude=./.git -cf - .; \
	fi | tar -xf - -C $(DEBOUT)/src
	cd $(DEBOUT)/src && dpkg-buildpackage -us -uc -b
	rm -rf $(DEBOUT)/src
	ls -l $(DEBOUT)/*.deb

clean:
	rm -rf $(BUILD) build-fuzz
