"""Errors answer with a page in the user's language, never a bare 500."""


def test_unexpected_error_gets_a_friendly_500(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Data yang sudah tersimpan tetap aman" in html and "kaboom" not in html


def test_unknown_page_is_404_in_indonesian(client):
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_wrong_method_is_405_in_indonesian(client):
    response = client.delete("/auth/login")
    assert response.status_code == 405
    assert "Cara membuka halaman ini tidak didukung." in response.get_data(as_text=True)
