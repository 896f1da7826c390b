"""The app factory, configuration, and what every page carries."""
import ast
import os
import re
import stat

from flask_migrate import upgrade

from app import ROOT, create_app, instance_secret_key
from app.extensions import db
from app.instruments.models import publish
from config import Config, TestConfig, database_url
from tests.support import INSTRUMENT, SOURCE, Auth, Field, IsolatedClient, load_jombang, make_app
from tests.test_assessments import jpeg, upload


def test_testing_flag_comes_from_the_config_class(tmp_path):
    assert not create_app(type("C", (Config,), {"SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)})).testing
    assert make_app(f"sqlite:///{tmp_path}/t.sqlite3").testing


def test_every_feature_blueprint_is_registered(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/t.sqlite3")
    assert {"main", "auth", "cooperatives", "users", "regions", "demo"} <= set(app.blueprints)
    assert {"babel", "sqlalchemy", "migrate", "csrf", "htmx"} <= set(app.extensions)
    assert app.login_manager.login_view == "auth.login_page"
    assert app.jinja_env.undefined.__name__ == "StrictUndefined"


def test_no_module_of_the_app_reaches_the_benchmark():
    """The benchmark is a tool beside the app (bench/): no module of app/ imports it, by statement or by
    name (as the factory imports its views)."""
    bench = re.compile(r"(app\.)?bench(\.|:|$)")
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names = [node.value]
            else:
                continue
            assert not any(bench.match(name) for name in names), (path, node.lineno)


def test_the_production_factory_registers_no_benchmark_command(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/t.sqlite3")
    result = app.test_cli_runner().invoke(args=["bench", "--help"])
    assert result.exit_code == 2 and "No such command 'bench'" in result.output
    assert "bench" not in app.blueprints


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    config = type("C", (Config,), {"SECRET_KEY": None, "INSTANCE_PATH": str(tmp_path),
                                   "SQLALCHEMY_DATABASE_URI": None})
    first = create_app(config)
    second = create_app(config)
    key_file = tmp_path / "secret_key"
    assert len(first.secret_key) == 64 and first.secret_key == second.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert instance_secret_key(tmp_path) == first.secret_key
    # Without DATABASE_URL the database is a SQLite file in the instance folder.
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'siapkop.sqlite3'}"


def test_workers_starting_together_share_one_secret_key(tmp_path):
    """gunicorn's workers each build the app at once: none fails on the key file, none reads it half-written."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    start, keys = context.Barrier(8), context.Queue()

    def worker():
        start.wait()
        try:
            keys.put(instance_secret_key(tmp_path))
        except Exception as error:  # noqa: BLE001 (reported to the test)
            keys.put(repr(error))

    workers = [context.Process(target=worker) for _ in range(8)]
    for process in workers:
        process.start()
    got = [keys.get(timeout=30) for _ in workers]
    for process in workers:
        process.join()
    assert len(set(got)) == 1 and len(got[0]) == 64, got
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_database_url_uses_psycopg3_for_postgresql():
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:////tmp/x.sqlite3") == "sqlite:////tmp/x.sqlite3"
    assert database_url("") is None


def test_config_reads_the_environment(monkeypatch):
    import importlib

    import config
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.example/siapkop")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    reloaded = importlib.reload(config)
    try:
        assert reloaded.Config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://app@db.example/siapkop"
        assert reloaded.Config.SECRET_KEY == "from-env"
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_the_instance_folder_and_every_file_in_it_are_private(tmp_path, jombang_regions):
    """On a fresh instance folder, with the process umask as a shell leaves it: the database, its -wal and
    -shm (which hold the photos), the secret key and their folders are readable by the app's user alone."""
    umask = os.umask(0o022)
    try:
        instance = tmp_path / "instance"
        app = create_app(type("C", (TestConfig,), {"INSTANCE_PATH": str(instance), "SECRET_KEY": None,
                                                   "SQLALCHEMY_DATABASE_URI": None, "PHOTO_FOLDER": None}))
        app.test_client_class = IsolatedClient
        with app.app_context():
            upgrade()
            load_jombang(jombang_regions)
            publish(db.session, INSTRUMENT, SOURCE)
            db.session.commit()
            client = app.test_client()
            auth = Auth(client)
            auth.login("fas.diwek")
            field = Field(client, auth)
            assessment_id, started = field.start()
            assert started.status_code == 302
            assert upload(field, assessment_id, "A1", jpeg(800, 600)).status_code == 200
            modes = {str(path.relative_to(instance)): stat.S_IMODE(path.stat().st_mode)
                     for path in (instance, *instance.rglob("*"))}
            db.session.remove()
            db.engine.dispose()
        assert {"siapkop.sqlite3", "siapkop.sqlite3-wal", "siapkop.sqlite3-shm", "secret_key"} <= set(modes)
        assert not any(name.endswith(".jpg") for name in modes)  # photos are rows of the database
        wrong = {name: oct(mode) for name, mode in modes.items()
                 if mode != (0o700 if (instance / name).is_dir() else 0o600)}
        assert wrong == {}
    finally:
        os.umask(umask)


def test_an_instance_folder_others_could_read_is_closed(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    os.chmod(instance, 0o755)
    make_app(f"sqlite:///{tmp_path}/t.sqlite3", INSTANCE_PATH=str(instance))
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
