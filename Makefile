# Entry points for people and CI. `make demo` and `make check` install their own Debian packages.
DEBS = meson ninja-build pkg-config gcc clang libclang-rt-14-dev \
       libmnl-dev libinih-dev libsodium-dev nettle-dev libcap-dev libcmocka-dev \
       iproute2 kmod ethtool user-mode-linux uml-utilities pppoe ppp tshark python3-scapy \
       iputils-ping procps radvd kea-dhcp6-server wide-dhcpv6-server dnsmasq-base

BUILD ?= build

.PHONY: all deps build check unit fuzz interop demo bench install clean

all: build

deps:
	@if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (apt-get install)"; exit 1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBS) >/dev/null

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dwerror=true

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Everything: unit tests, fuzzers (bounded), interop tests against the UML ISP.
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

install: build
	DESTDIR=$(DESTDIR) meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) build-fuzz
