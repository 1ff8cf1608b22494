"""Login, throttling, logout, password change, language remembered per user."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from aims.models import ChangeRecord, UserProfile


def login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_and_logout(officer, password):
    client = Client()
    response = login(client, officer.username, password)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_gives_a_clear_message_in_the_users_language(officer):
    client = Client()
    response = login(client, officer.username, "wrong password")
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"]
    client.post(reverse("set_language"), {"language": "en"})
    english = login(client, officer.username, "wrong").content.decode()
    assert "Please enter a correct username and password" in english
    client.post(reverse("set_language"), {"language": "ja"})
    japanese = login(client, officer.username, "wrong").content.decode()
    assert "正しいユーザー名とパスワードを入力してください" in japanese


def test_repeated_failures_lock_the_username(officer, password, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    client = Client()
    for _attempt in range(3):
        login(client, officer.username, "guess")
    response = login(client, officer.username, password)  # the right password, too late
    assert response.status_code == 200
    assert (
        response.context["form"]
        .errors["__all__"][0]
        .startswith(("Too many failed sign-ins", "ログインの失敗"))
    )
    assert "_auth_user_id" not in client.session
    # Another account from another address is unaffected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert login(other, "nobody", "x").status_code == 200


def test_success_resets_the_count(officer, password, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    client = Client()
    login(client, officer.username, "guess")
    login(client, officer.username, "guess")
    assert login(client, officer.username, password).status_code == 302
    client.post(reverse("logout"))
    login(client, officer.username, "guess")
    assert login(client, officer.username, password).status_code == 302


def test_password_change_is_validated_and_logged(officer, password, client_for):
    client = client_for(officer)
    url = reverse("password_change")
    weak = client.post(
        url, {"old_password": password, "new_password1": "123", "new_password2": "123"}
    )
    assert weak.status_code == 200 and weak.context["form"].errors
    new = "a much longer passphrase 2026"
    response = client.post(
        url, {"old_password": password, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(new)
    record = ChangeRecord.objects.filter(object_id=str(officer.pk)).latest("id")
    assert record.after == {"password": "(changed)"}
    assert client.get(reverse("home")).status_code == 200  # still signed in


def test_language_choice_is_remembered_per_user(officer, password):
    client = Client()
    login(client, officer.username, password)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert UserProfile.objects.get(user=officer).language == "en"
    client.post(reverse("logout"))
    fresh = Client(HTTP_ACCEPT_LANGUAGE="ja")
    login(fresh, officer.username, password)
    page = fresh.get(reverse("home"))
    assert page.content.decode().count('lang="en"') >= 1
    assert "Dashboard" in page.content.decode()


def test_language_switch_rejects_unknown_languages_and_foreign_redirects(officer, client_for):
    client = client_for(officer)
    response = client.post(reverse("set_language"), {"language": "xx"})
    assert response.status_code == 302
    assert UserProfile.objects.get(user=officer).language == ""
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example.com/"}
    )
    assert response["Location"] == reverse("home")


def test_preferences(officer, client_for):
    client = client_for(officer)
    response = client.post(reverse("preferences"), {"language": "en"})
    assert response.status_code == 302
    profile = UserProfile.objects.get(user=officer)
    assert (profile.language, profile.email_notifications) == ("en", False)
    bad = client.post(reverse("preferences"), {"language": "xx"})
    assert bad.status_code == 400
    assert UserProfile.objects.get(user=officer).language == "en"
