"""The front door: send each user to where their work is."""

from django.shortcuts import redirect, render


def home(request):
    from competitions.selectors import authorities_for_user, competition_list_public
    from evaluation.models import Seat
    from offers.selectors import organizations_for_user

    user = request.user
    if user.is_authenticated:
        if authorities_for_user(user=user).exists():
            return redirect("competitions:staff_list")
        if organizations_for_user(user=user).exists():
            return redirect("offers:my_offers")
        if Seat.objects.filter(user=user, is_active=True).exists():
            return redirect("evaluation:my_committees")
    return render(request, "home.html", {"competitions": competition_list_public()[:12]})
