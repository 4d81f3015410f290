from django.urls import path

from .views import accounts, home, linking

app_name = "parents"

C = "centre/<int:centre_id>/"

urlpatterns = [
    path("", home.index, name="index"),
    path("parents/", home.home, name="home"),
    path("parents/register/", accounts.register, name="register"),
    path("parents/link/", linking.link, name="link"),
    path(C + "linking-codes/", linking.linking_code_list, name="linking-code-list"),
    path(C + "children/<int:child_id>/guardians/<int:guardian_id>/linking-code/",
         linking.linking_code_issue, name="linking-code-issue"),
]
