from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from platforms.models import Platform

from . import services
from .models import AccountEvent, User


def _platforms_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Platforms"), queryset=Platform.objects.order_by("level", "name"), required=False,
        widget=FilteredSelectMultiple(_("Platforms"), is_stacked=False),
        help_text=_("The platforms a coordinator works on. Admins and ministry staff have none: "
                    "choosing another role removes them."),
    )


class _AccountRulesForm:
    """Checks the portal's account rules as the Django admin's form is cleaned, so that a refusal shows next
    to its field instead of failing while the services save (accounts.services.person_check)."""

    actor: User | None = None  # the admin at work, set per request by UserAdmin.get_form

    def _check(self, **values) -> None:
        try:
            services.person_check(actor=self.actor, **values)
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)


class PersonChangeForm(_AccountRulesForm, UserChangeForm):
    platforms = _platforms_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        person = self.instance
        self.fields["platforms"].initial = list(person.coordinated_platforms.all())
        # A superuser made with createsuperuser is an admin whatever its role field says; saving makes it say so.
        self.initial["role"] = person.effective_role

    def clean(self):
        data = super().clean()
        if not {"role", "email", "is_active"} & set(self.errors):
            self._check(person=self.instance, role=data["role"], platforms=data.get("platforms") or [],
                        email=data.get("email", ""), can_approve_answers=data.get("can_approve_answers", False),
                        is_active=data.get("is_active", True))
        return data


class PersonCreationForm(_AccountRulesForm, AdminUserCreationForm):
    platforms = _platforms_field()

    def clean(self):
        data = super().clean()
        if not {"username", "role", "email"} & set(self.errors):
            self._check(person=None, username=data["username"], role=data["role"],
                        platforms=data.get("platforms") or [], email=data.get("email", ""))
        return data


def _without(fieldsets, *names):
    return tuple((title, {**options, "fields": tuple(f for f in options["fields"] if f not in names)})
                 for title, options in fieldsets)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """People's accounts in the Django admin, changed through the same services as the portal's people pages.

    So a role sets or clears is_staff and is_superuser (read-only here), a deactivation ends the
    person's sessions, and every change leaves an AccountEvent. Groups and permissions are left
    out: the portal's access follows the role alone.
    """

    form = PersonChangeForm
    add_form = PersonCreationForm
    list_display = ("username", "first_name", "last_name", "email", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", "coordinated_platforms__level")
    search_fields = ("username", "first_name", "last_name", "email", "coordinated_platforms__name")
    filter_horizontal = ()
    # The username does not change (as on the portal's pages); the admin flags follow the role.
    readonly_fields = ("username", "is_staff", "is_superuser", "last_login", "date_joined")
    fieldsets = (
        *_without(DjangoUserAdmin.fieldsets, "groups", "user_permissions"),
        (_("Role"), {"fields": ("role", "platforms", "can_approve_answers")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role"), {"fields": ("role", "platforms", "email", "first_name", "last_name")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            person = services.person_create(
                actor=request.user, username=data["username"], role=data["role"], platforms=data["platforms"],
                email=data.get("email", ""), first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                password=data["password1"] if data.get("set_usable_password") else None,
            )
            # The admin goes on with `obj` (its log entry, the redirect to the new account's page).
            obj.pk = person.pk
            obj._state.adding = False
            obj._state.db = person._state.db
            return
        person = User.objects.get(pk=obj.pk)
        services.person_update(
            actor=request.user, person=person, role=data["role"], platforms=data["platforms"],
            first_name=data["first_name"], last_name=data["last_name"], email=data["email"],
            can_approve_answers=data["can_approve_answers"],
        )
        if data["is_active"] != person.is_active:
            if data["is_active"]:
                services.person_reactivate(actor=request.user, person=person)
            else:
                services.person_deactivate(actor=request.user, person=person,
                                           reason=gettext("in the Django admin"))
        obj.refresh_from_db()

    def user_change_password(self, request, id, form_url=""):
        # Django's view saves the form itself; the event is written in the same transaction once it has.
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                person = User.objects.filter(pk=id).first() if str(id).isdigit() else None
                if person is not None and response.url == reverse("admin:accounts_user_change", args=(person.pk,)):
                    services.password_set_by_admin(actor=request.user, person=person)
        return response


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """The audit trail of accounts, read-only: events are written by the services, never by hand."""

    list_display = ("created_at", "actor", "target", "action", "details")
    list_filter = ("action", "created_at")
    search_fields = ("target__username", "target__first_name", "target__last_name", "actor__username", "details")
    list_select_related = ("actor", "target")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
