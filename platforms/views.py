from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lopportal.forms import add_service_errors, query_text

from . import selectors, services
from .forms import MembershipEndForm, MembershipForm, PlatformForm, ProposalDecisionForm
from .models import PROPOSABLE_FIELDS, Level
from .permissions import MembershipPolicy, OrganisationPolicy, OrganisationProposalPolicy, PlatformPolicy


def platform_list(request):
    level = request.GET.get("level") if request.GET.get("level") in Level.values else None
    query = query_text(request, "q")
    platforms = selectors.platform_list(user=request.user, level=level, query=query)
    return render(request, "platforms/platform_list.html", {
        "platforms": platforms, "levels": Level.choices, "level": level, "query": query,
    })


def platform_detail(request, code):
    platform = selectors.platform_get(user=request.user, code=code)
    can_manage_members = PlatformPolicy.can_manage_members(request.user, platform)
    return render(request, "platforms/platform_detail.html", {
        "platform": platform,
        "members": selectors.members_by_kind(platform),
        "can_manage_members": can_manage_members,
        "can_change": PlatformPolicy.can_change(request.user, platform),
        # Those who edit the members see what became of their proposed changes to shared members.
        "proposals": selectors.platform_proposals(platform) if can_manage_members else [],
    })


@require_http_methods(["GET", "POST"])
def platform_edit(request, code):
    platform = selectors.platform_get(user=request.user, code=code)
    if not PlatformPolicy.can_change(request.user, platform):
        raise PermissionDenied
    initial = {
        "name": platform.name, "level": platform.level, "area": platform.area,
        "coordinators": list(platform.coordinators.all()), "is_active": platform.is_active,
    }
    form = PlatformForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.platform_update(actor=request.user, platform=platform, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The platform has been saved."))
            return redirect(platform)
    return render(request, "platforms/platform_form.html", {"platform": platform, "form": form})


@require_http_methods(["GET", "POST"])
def membership_create(request, code):
    platform = selectors.platform_get(user=request.user, code=code)
    if not PlatformPolicy.can_manage_members(request.user, platform):
        raise PermissionDenied
    form = MembershipForm(request.POST if request.method == "POST" else None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_create(actor=request.user, platform=platform, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is now a member.") % {"name": membership.organisation.name})
            if _typed_other_details(form.cleaned_data, membership.organisation):
                messages.info(request, _("%(name)s was already registered with this institution number: it keeps its "
                                         "registered details. To correct them, edit the member.")
                              % {"name": membership.organisation.name})
            return redirect(platform)
    return render(request, "platforms/membership_form.html", {"platform": platform, "form": form})


def _typed_other_details(data: dict, organisation) -> bool:
    """Whether the form's details differ from those of the (registered) organisation it was linked to."""
    return any(data.get(field, "") != getattr(organisation, field) for field in PROPOSABLE_FIELDS)


@require_http_methods(["GET", "POST"])
def membership_edit(request, code, pk):
    platform = selectors.platform_get(user=request.user, code=code)
    membership = selectors.membership_get(user=request.user, platform=platform, pk=pk)
    if not MembershipPolicy.can_change(request.user, membership):
        raise PermissionDenied
    organisation = membership.organisation
    initial = {
        "kind": organisation.kind, "name": organisation.name, "instellingsnummer": organisation.instellingsnummer,
        "onderwijsnet": organisation.onderwijsnet, "partner_category": organisation.partner_category,
        "municipality": organisation.municipality, "start_date": membership.start_date, "note": membership.note,
    }
    form = MembershipForm(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "kind"}
        try:
            result = services.membership_update(actor=request.user, membership=membership, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if result.proposal is None:
                messages.success(request, _("The member has been saved."))
            else:
                messages.success(request, _("The membership has been saved."))
                messages.info(request, _(
                    "%(name)s is also a member of other platforms: your change of %(changes)s has been sent to the "
                    "admins as a proposal. Until an admin accepts it, every platform shows the current details."
                ) % {"name": result.proposal.organisation.name, "changes": _changes_text(result.proposal)})
            return redirect(platform)
    return render(request, "platforms/membership_form.html", {
        "platform": platform, "form": form, "membership": membership,
        "shared": not OrganisationPolicy.can_change_directly(request.user, organisation),
        "pending": selectors.organisation_pending_proposals(platform=platform, organisation=organisation),
    })


def _changes_text(proposal) -> str:
    """"the name (Old → New), the municipality (Old → New)" for a message."""
    changes = selectors.proposal_changes(proposal)
    return ", ".join(_("%(field)s (%(old)s → %(new)s)") % {"field": c.label, "old": c.old or "–", "new": c.new or "–"}
                     for c in changes)


@require_http_methods(["GET", "POST"])
def membership_end(request, code, pk):
    platform = selectors.platform_get(user=request.user, code=code)
    membership = selectors.membership_get(user=request.user, platform=platform, pk=pk)
    if not MembershipPolicy.can_change(request.user, membership):
        raise PermissionDenied
    form = MembershipEndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_end(actor=request.user, membership=membership, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The membership of %(name)s has been ended.")
                             % {"name": membership.organisation.name})
            return redirect(platform)
    return render(request, "platforms/membership_end.html", {
        "platform": platform, "form": form, "membership": membership,
    })


def proposal_list(request):
    """The proposed changes to shared organisations that wait for an admin, and the last decided ones."""
    if not OrganisationProposalPolicy.can_decide(request.user):
        raise PermissionDenied
    return render(request, "platforms/proposal_list.html", {
        "proposals": selectors.proposal_list(user=request.user),
        "decided": selectors.proposals_recently_decided(user=request.user),
        "form": ProposalDecisionForm(),
    })


@require_http_methods(["GET", "POST"])
def proposal_decide(request, pk):
    """Accept or reject one proposal (the list's buttons post here; errors come back on this page)."""
    if not OrganisationProposalPolicy.can_decide(request.user):
        raise PermissionDenied
    proposal = selectors.proposal_get(user=request.user, pk=pk)
    form = ProposalDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["decision"] == ProposalDecisionForm.ACCEPT
        decide = services.organisation_proposal_accept if accept else services.organisation_proposal_reject
        try:
            decide(actor=request.user, proposal=proposal, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if accept:
                messages.success(request, _("The change to %(name)s has been applied on every platform it belongs "
                                            "to.") % {"name": proposal.organisation.name})
            else:
                messages.success(request, _("The proposed change to %(name)s has been rejected.")
                                 % {"name": proposal.organisation.name})
            return redirect("platforms:proposals")
    return render(request, "platforms/proposal_decide.html", {"proposal": proposal, "form": form})
