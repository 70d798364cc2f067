def test_home_page_serves_anonymous_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Partner Support Portal" in response.data


def test_demo_user_signs_in_and_sees_role_home(app, world):
    from tests.factories import signed_in

    client = signed_in(app, world.user("acme_admin"))
    page = client.get("/").get_data(as_text=True)
    assert "Acme" in page and "Technicians" in page
