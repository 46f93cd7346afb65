# Rapport — the two commands are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
# The demo's channels: mail listener port and the secrets its signed webhooks use (never in production).
RAPPORT_MAIL_PORT ?= 2525
RAPPORT_WEBHOOK_SECRET_PHONE ?= demo-phone-secret
RAPPORT_WEBHOOK_SECRET_CHAT ?= demo-chat-secret
RAPPORT_WEBHOOK_SECRET_SMS ?= demo-sms-secret
RAPPORT_WEBHOOK_SECRET_SOCIAL ?= demo-social-secret
DEMO_ENV := RAPPORT_MAIL_PORT=$(RAPPORT_MAIL_PORT) RAPPORT_WEBHOOK_SECRET_PHONE=$(RAPPORT_WEBHOOK_SECRET_PHONE) \
	RAPPORT_WEBHOOK_SECRET_CHAT=$(RAPPORT_WEBHOOK_SECRET_CHAT) RAPPORT_WEBHOOK_SECRET_SMS=$(RAPPORT_WEBHOOK_SECRET_SMS) \
	RAPPORT_WEBHOOK_SECRET_SOCIAL=$(RAPPORT_WEBHOOK_SECRET_SOCIAL)

.PHONY: install demo test lint format bench lock clean

$(BIN)/.installed: requirements.lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock.txt
	touch $@

install: $(BIN)/.installed

demo: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py seed_demo
	@$(DEMO_ENV) $(BIN)/python manage.py demo_logins --port $(PORT)
	$(DEMO_ENV) PATH="$(abspath $(BIN)):$$PATH" DJANGO_SETTINGS_MODULE=config.settings.base $(BIN)/honcho start -f Procfile

test: install
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy rapport config tests conftest.py
	$(BIN)/lint-imports
	SECRET_KEY=lint-only-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
		DJANGO_SETTINGS_MODULE=config.settings.production \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	bash bench/run.sh

# Regenerate the hashed lock after changing pyproject.toml (needs uv in the venv).
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
		--no-emit-index-url --no-header -o requirements.lock.txt

clean:
	rm -rf $(VENV) var
