# mailwhy - convenience targets for people who have the dependencies
# (./check and ./demo install them first, then call these).
#
#   make            build (build/)
#   make check      every test, then again under ASan+UBSan (build-asan/)
#   make demo       start the lab and diagnose the lab addresses
#   make bench      benchmarks side by side with the peer tools
#   make fuzz       build the libFuzzer targets (clang) in build-fuzz/
#   make docs       regenerate docs/findings.md from the catalogue
#   make pot        refresh po/mailwhy.pot and merge po/ru.po

BUILD ?= build
ASAN ?= build-asan
FUZZ ?= build-fuzz
MESON ?= meson

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD)

$(ASAN)/build.ninja:
	$(MESON) setup $(ASAN) -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dc_args=-DMW_ARENA_DEBUG

asan: $(ASAN)/build.ninja
	ninja -C $(ASAN)

check: all asan
	sh tests/run.sh $(BUILD) $(ASAN)

demo: all
	sh lab/demo.sh $(BUILD)/cli/mailwhy

bench: all
	sh bench/run.sh $(BUILD)

fuzz:
	[ -f $(FUZZ)/build.ninja ] || CC=clang $(MESON) setup $(FUZZ) -Dfuzz=true \
	    -Dtests=false -Db_lundef=false \
	    -Dc_args=-fsanitize=fuzzer-no-link,address,undefined \
	    -Dc_link_args=-fsanitize=address,undefined
	ninja -C $(FUZZ)
	@echo "fuzz targets: $(FUZZ)/fuzz/fuzz_*; run one from its seeds into a"
	@echo "scratch corpus (new inputs go to the first folder), e.g."
	@echo "  mkdir -p /tmp/c && $(FUZZ)/fuzz/fuzz_addr -max_total_time=60 /tmp/c fuzz/corpus/addr"

docs: all
	$(BUILD)/cli/mailwhy catalog --markdown > docs/findings.md

pot: all
	ninja -C $(BUILD) mailwhy-pot mailwhy-update-po

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)

.PHONY: all asan check demo bench fuzz docs pot clean
