from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.erased import Erased
from ...models.erasure import Erasure
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: Erasure,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/subjects/erasures",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Erased | Problem:
    if response.status_code == 200:
        response_200 = Erased.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Erased | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: Erasure,
) -> Response[Erased | Problem]:
    """Erase a person (secretariat; an agency admin: its own innovators only), by email or
    phone.

     Their profiles here name "Inovator N" instead, without email or phone; their key is
    shredded, so every sealed copy in the topics is unreadable; `subject.erased` tells the
    other services to erase what they hold. Answers the subject ids erased.

    With `ERASURE_NOTICE_HOURS` set, the person is told by email first
    (`subject.erasure_requested`) and erased when that period is over: the ids are then
    answered as `pending`.

    Args:
        body (Erasure):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Erased | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: Erasure,
) -> Erased | Problem | None:
    """Erase a person (secretariat; an agency admin: its own innovators only), by email or
    phone.

     Their profiles here name "Inovator N" instead, without email or phone; their key is
    shredded, so every sealed copy in the topics is unreadable; `subject.erased` tells the
    other services to erase what they hold. Answers the subject ids erased.

    With `ERASURE_NOTICE_HOURS` set, the person is told by email first
    (`subject.erasure_requested`) and erased when that period is over: the ids are then
    answered as `pending`.

    Args:
        body (Erasure):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Erased | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: Erasure,
) -> Response[Erased | Problem]:
    """Erase a person (secretariat; an agency admin: its own innovators only), by email or
    phone.

     Their profiles here name "Inovator N" instead, without email or phone; their key is
    shredded, so every sealed copy in the topics is unreadable; `subject.erased` tells the
    other services to erase what they hold. Answers the subject ids erased.

    With `ERASURE_NOTICE_HOURS` set, the person is told by email first
    (`subject.erasure_requested`) and erased when that period is over: the ids are then
    answered as `pending`.

    Args:
        body (Erasure):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Erased | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: Erasure,
) -> Erased | Problem | None:
    """Erase a person (secretariat; an agency admin: its own innovators only), by email or
    phone.

     Their profiles here name "Inovator N" instead, without email or phone; their key is
    shredded, so every sealed copy in the topics is unreadable; `subject.erased` tells the
    other services to erase what they hold. Answers the subject ids erased.

    With `ERASURE_NOTICE_HOURS` set, the person is told by email first
    (`subject.erasure_requested`) and erased when that period is over: the ids are then
    answered as `pending`.

    Args:
        body (Erasure):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Erased | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
