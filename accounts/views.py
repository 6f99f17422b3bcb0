"""The admin's pages for people's accounts: list, invite, detail, edit, resend, (de)activate."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lopportal.forms import add_service_errors, query_text
from mail.notices import mail_delay_notice

from . import second_factor, selectors, services
from .forms import DeactivateForm, PersonEditForm, PersonInviteForm
from .models import Role
from .permissions import PersonPolicy

ACTIVE_FILTER = {"1": True, "0": False}


def _require_access(request) -> None:
    # The whole section is the admins': anyone else gets a 403, before any person is looked up.
    if not PersonPolicy.can_access(request.user):
        raise PermissionDenied


def _get_person(request, pk):
    _require_access(request)
    return selectors.person_get(user=request.user, pk=pk)


def _managed_person(request, pk):
    """The account in the URL, for a change to it: 403 when this user may see it but not manage it."""
    person = _get_person(request, pk)
    if not PersonPolicy.can_manage(request.user, person):
        raise PermissionDenied
    return person


def person_list(request):
    _require_access(request)
    role = request.GET.get("role") if request.GET.get("role") in Role.values else None
    platform_code = query_text(request, "platform", 40)
    query = query_text(request, "q")
    active = request.GET.get("active", "")
    people = selectors.people_list(role=role, platform_code=platform_code or None, query=query,
                                   active=ACTIVE_FILTER.get(active))
    return render(request, "accounts/person_list.html", {
        "people": people, "roles": Role.choices, "role": role, "platforms": selectors.platform_choices(),
        "platform_code": platform_code, "query": query, "active": active if active in ACTIVE_FILTER else "",
        "filtered": bool(role or platform_code or query or active in ACTIVE_FILTER),
    })


@require_http_methods(["GET", "POST"])
def person_invite(request):
    _require_access(request)
    # ?role=coordinator&platform=<code> pre-fills the form (e.g. from a platform without a coordinator).
    initial = {"role": request.GET.get("role") if request.GET.get("role") in Role.values else Role.COORDINATOR}
    if platform_code := query_text(request, "platform", 40):
        initial["platforms"] = list(selectors.platform_choices().filter(code=platform_code))
    form = PersonInviteForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_invite(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s has been created; the invitation to %(email)s is on its way.")
                             % {"name": person, "email": person.email})
            mail_delay_notice(request)
            return redirect("people:detail", pk=person.pk)
    return render(request, "accounts/person_form.html", {"form": form})


def person_detail(request, pk):
    person = _get_person(request, pk)
    return render(request, "accounts/person_detail.html", {
        "person": person,
        "events": selectors.person_events(person),
        "can_manage": PersonPolicy.can_manage(request.user, person),
        "can_deactivate": PersonPolicy.can_deactivate(request.user, person),
        "can_resend": PersonPolicy.can_resend_invitation(request.user, person),
        "second_factor": second_factor.second_factor_status(person),
        "can_reset_second_factor": second_factor.can_reset(request.user, person),
    })


@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    person = _managed_person(request, pk)
    initial = {
        "first_name": person.first_name, "last_name": person.last_name, "email": person.email,
        "role": person.effective_role, "platforms": list(person.coordinated_platforms.all()),
        "can_approve_answers": person.can_approve_answers,
    }
    form = PersonEditForm(request.POST if request.method == "POST" else None, initial=initial, person=person)
    if request.method == "POST" and form.is_valid():
        old_email = person.email
        try:
            services.person_update(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The account of %(name)s has been saved.") % {"name": person})
            if person.email != old_email and PersonPolicy.can_resend_invitation(request.user, person):
                # The invitation link is signed over the address: the one sent earlier no longer works.
                messages.warning(request, _("The invitation sent to the old address no longer works: "
                                            "send the invitation again."))
            return redirect("people:detail", pk=person.pk)
    return render(request, "accounts/person_form.html", {"form": form, "person": person})


@require_POST
def invitation_resend(request, pk):
    person = _managed_person(request, pk)
    try:
        services.invitation_resend(actor=request.user, person=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("A new invitation to %(email)s is on its way; earlier links no longer work.")
                         % {"email": person.email})
        mail_delay_notice(request)
    return redirect("people:detail", pk=person.pk)


@require_http_methods(["GET", "POST"])
def person_deactivate(request, pk):
    person = _managed_person(request, pk)
    form = DeactivateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_deactivate(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s has been deactivated and logged out everywhere.") % {"name": person})
            return redirect("people:detail", pk=person.pk)
    return render(request, "accounts/person_confirm.html", {
        "person": person, "form": form, "can_deactivate": PersonPolicy.can_deactivate(request.user, person),
    })


@require_POST
def person_reactivate(request, pk):
    person = _managed_person(request, pk)
    try:
        services.person_reactivate(actor=request.user, person=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if person.has_usable_password():
            messages.success(request, _("%(name)s can log in again.") % {"name": person})
        else:
            messages.success(request, _("%(name)s has been reactivated; send the invitation again so that they "
                                        "can choose a password.") % {"name": person})
    return redirect("people:detail", pk=person.pk)
